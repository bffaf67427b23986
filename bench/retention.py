"""Retention sweep benchmark: N expired audit events, one published rule, one sweep.

Inserts ``--rows`` audit events dated two years ago (one in a thousand by a person under a legal
hold, so the hold-matching path runs too), publishes a register whose only rule keeps audit
events one year, then times ``retention_sweep`` alone and prints rows/s and peak memory. Run it
at 100,000 and 1,000,000 rows: memory should not grow with the row count.

Use a throwaway store, never a real one. It migrates the database itself:

    GARDE_DATA_DIR=/tmp/garde-bench .venv/bin/python bench/retention.py --rows 1000000
    GARDE_DATA_DIR=/tmp/garde-bench \\
      GARDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/garde_bench \\
      .venv/bin/python bench/retention.py --rows 1000000

Results go to docs/benchmarks.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sqlite3
import sys
import threading
import time
import tracemalloc
from datetime import timedelta

INSERT_CHUNK = 100_000


def rss_bytes() -> int:
    """Current resident set size (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssSampler(threading.Thread):
    """Samples the resident set size every 20 ms and keeps the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_bytes()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, rss_bytes())
        return self.peak


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def insert_expired_events(*, rows: int, held_actor_id: int) -> None:
    """``rows`` audit events two years old, one second apart, in chunks of INSERT_CHUNK."""
    from django.db import connection, transaction
    from django.utils import timezone

    start = timezone.now() - timedelta(days=730)
    for first in range(1, rows + 1, INSERT_CHUNK):
        last = min(first + INSERT_CHUNK - 1, rows)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "INSERT INTO core_auditevent (occurred_at, actor_id, actor_roles,"
                    " organisation_id, action, object_type, object_id, source_ip, details) "
                    "SELECT %s::timestamptz + n * interval '1 second',"
                    " CASE WHEN n %% 1000 = 0 THEN %s ELSE NULL END,"
                    " '', NULL, 'bench.event', '', '', NULL, '{}'::jsonb"
                    " FROM generate_series(%s, %s) AS n",
                    [start, held_actor_id, first, last],
                )
            else:
                base = start.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
                cursor.execute(
                    "WITH RECURSIVE seq(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM seq"
                    " WHERE n < %s) "
                    "INSERT INTO core_auditevent (occurred_at, actor_id, actor_roles,"
                    " organisation_id, action, object_type, object_id, source_ip, details) "
                    "SELECT datetime(%s, '+' || n || ' seconds'),"
                    " CASE WHEN n %% 1000 = 0 THEN %s ELSE NULL END,"
                    " '', NULL, 'bench.event', '', '', NULL, '{}' FROM seq",
                    [first, last, base, held_actor_id],
                )


def publish_rule() -> int:
    """Publish a register with one activity whose rule keeps audit events one year."""
    from django.db.models import Max

    from garde.register.models import ProcessingActivity, RegisterVersion, RetentionRule
    from garde.register.snapshot import working_register_snapshot

    activity, _ = ProcessingActivity.objects.get_or_create(
        slug="bench-traceability",
        defaults={
            "role": "controller",
            "name_fr": "Traçabilité (banc d'essai)",
            "purposes_fr": "Tracer les actions",
            "legal_basis": "legal_obligation",
        },
    )
    RetentionRule.objects.get_or_create(
        key="bench-audit-events",
        defaults={
            "activity": activity,
            "description_fr": "Journal d'audit",
            "count": 1,
            "unit": "years",
            "anchor": "event",
            "store": "core.audit_events",
        },
    )
    number = (RegisterVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    RegisterVersion.objects.create(number=number, snapshot=working_register_snapshot())
    return number


def database_description() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return f"SQLite {sqlite3.sqlite_version}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="expired rows to sweep")
    parser.add_argument("--batch-size", type=int, default=1000, help="sweep batch size")
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="do not trace Python allocations (faster; peak RSS only)",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "garde.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from garde.accounts.models import User
    from garde.core.models import AuditEvent
    from garde.retention.choices import HoldBasis
    from garde.retention.services import legal_hold_place, retention_sweep

    if settings.DEBUG:
        sys.exit("Set GARDE_DEBUG off: with DEBUG, Django keeps every query in memory.")
    call_command("migrate", verbosity=0)
    if AuditEvent.objects.filter(action="bench.event").exists():
        sys.exit("This store already holds benchmark rows: use a fresh data dir or database.")

    person = User.objects.create(email=f"bench-{time.time_ns()}@bench.invalid", full_name="B")
    legal_hold_place(actor=person, user=person, reason="bench", legal_basis=HoldBasis.LITIGATION)
    started = time.perf_counter()
    insert_expired_events(rows=args.rows, held_actor_id=person.pk)
    inserted_in = time.perf_counter() - started
    version = publish_rule()

    gc.collect()
    rss_before = rss_bytes()
    sampler = RssSampler()
    sampler.start()
    if not args.no_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    sweep = retention_sweep(batch_size=args.batch_size)
    elapsed = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None
    tracemalloc.stop()
    rss_peak = sampler.stop()

    log = sweep.logs.get()
    print(f"database        {database_description()} ({settings.DATABASES['default']['NAME']})")
    print(f"python          {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"rows inserted   {args.rows:,} in {inserted_in:.1f} s (register v{version})")
    print(f"swept           erased {log.erased_count:,}, held {log.held_count:,}")
    print(f"batch size      {args.batch_size}")
    print(f"sweep time      {elapsed:.1f} s")
    print(f"rate            {log.erased_count / elapsed:,.0f} rows/s erased")
    if traced_peak is not None:
        print(f"tracemalloc     peak {mib(traced_peak)} during the sweep")
    print(f"RSS             {mib(rss_before)} before, peak {mib(rss_peak)} during the sweep")
    print(f"max RSS         {mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}")
    print(f"sha256          {log.identifiers_sha256}")


if __name__ == "__main__":
    main()
