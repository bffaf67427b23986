"""Access-request benchmark: Fides' example schema at N customers in PostgreSQL, then access
requests timed end to end (identity in, encrypted package written).

Builds (once, or again with ``--rebuild``) a PostgreSQL database ``--db`` from Fides'
``postgres_sample.sql`` (tables and the example customers unchanged) and adds ``--customers``
generated customers with, each: one address, two orders of two items each, one payment card,
three logins, one visit and (one in two) a service request; with the indexes the dataset's
identity and reference columns need. Then, in a throwaway Garde store, imports Fides' dataset
YAML unchanged, adds the database as a system and times ``--requests`` access requests for
random generated customers through the same services the console uses
(``access_run_create`` + ``access_run_execute``: plan, traverse, build and encrypt the package,
store it): median, p95, max, and the first request apart (connection warm-up).

    GARDE_DATA_DIR=/tmp/garde-bench-dsr .venv/bin/python bench/dsr_access.py \\
        --customers 1000000 --requests 200

Results go to docs/benchmarks.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
FIDES_DIR = ROOT.parent / "shared" / "fixtures" / "fides"
if not FIDES_DIR.is_dir():
    FIDES_DIR = Path("/work/shared/fixtures/fides")
SAMPLE_SQL = FIDES_DIR / "postgres_sample.sql"
DATASET_YAML = FIDES_DIR / "postgres_example_test_dataset.yml"
FIRST_ID = 1_000  # generated customers start here, clear of the example's own rows

# The columns the traversal looks rows up by: identity fields and reference targets/sources.
INDEXES = [
    ("customer", "email"),
    ("employee", "email"),
    ("report", "email"),
    ("service_request", "email"),
    ("service_request", "alt_email"),
    ("service_request", "employee_id"),
    ("visit", "email"),
    ("login", "customer_id"),
    ("orders", "customer_id"),
    ("payment_card", "customer_id"),
]


def generate(url: str, customers: int) -> None:
    """Fill the schema with ``customers`` generated customers, set-based (no per-row round trip)."""
    last = FIRST_ID + customers - 1
    steps = [
        (
            "address",
            "INSERT INTO address (id, house, street, city, state, zip) "
            "SELECT g, g %% 500, 'Rue ' || g, 'Ville ' || (g %% 1000), 'FR', "
            "lpad((g %% 95000)::text, 5, '0') FROM generate_series(%(a)s, %(b)s) g",
        ),
        (
            "customer",
            "INSERT INTO customer (id, email, name, created, address_id) "
            "SELECT g, 'bench-' || g || '@example.com', 'Client ' || g, "
            "timestamp '2024-01-01' + (g %% 700) * interval '1 day', g "
            "FROM generate_series(%(a)s, %(b)s) g",
        ),
        (
            "payment_card",
            "INSERT INTO payment_card (id, name, ccn, code, preferred, customer_id, "
            "billing_address_id) SELECT 'pay_' || g, 'Carte ' || g, 4000000000000000 + g, "
            "(g %% 999)::smallint, true, g, g FROM generate_series(%(a)s, %(b)s) g",
        ),
        (
            "orders",
            "INSERT INTO orders (id, customer_id, shipping_address_id, payment_card_id) "
            "SELECT 'ord_' || g || '_' || n, g, g, 'pay_' || g "
            "FROM generate_series(%(a)s, %(b)s) g, generate_series(1, 2) n",
        ),
        (
            "order_item",
            "INSERT INTO order_item (order_id, item_no, product_id, quantity) "
            "SELECT 'ord_' || g || '_' || n, i, 1 + (g + i) %% 3, 1 "
            "FROM generate_series(%(a)s, %(b)s) g, generate_series(1, 2) n, "
            "generate_series(1, 2) i",
        ),
        (
            "login",
            "INSERT INTO login (id, customer_id, time) "
            "SELECT g * 3 + n, g, timestamp '2025-01-01' + n * interval '1 hour' "
            "FROM generate_series(%(a)s, %(b)s) g, generate_series(0, 2) n",
        ),
        (
            "visit",
            "INSERT INTO visit (email, last_visit) "
            "SELECT 'bench-' || g || '@example.com', timestamp '2025-06-01' "
            "FROM generate_series(%(a)s, %(b)s) g",
        ),
        (
            "service_request",
            "INSERT INTO service_request (id, email, alt_email, opened, closed, employee_id) "
            "SELECT 'ser_' || g, 'bench-' || g || '@example.com', NULL, date '2025-02-01', "
            "NULL, 1 FROM generate_series(%(a)s, %(b)s) g WHERE g %% 2 = 0",
        ),
    ]
    chunk = 250_000
    with psycopg.connect(url, autocommit=True) as connection:
        for table, statement in steps:
            started = time.perf_counter()
            for a in range(FIRST_ID, last + 1, chunk):
                b = min(a + chunk - 1, last)
                connection.execute(statement.encode(), {"a": a, "b": b})
            print(f"  {table}: {time.perf_counter() - started:.1f} s", flush=True)
        for table, column in INDEXES:
            connection.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                    sql.Identifier(f"bench_{table}_{column}"),
                    sql.Identifier(table),
                    sql.Identifier(column),
                )
            )
        connection.execute("VACUUM ANALYZE")


def build(admin_url: str, db: str, customers: int, *, rebuild: bool) -> str:
    url = admin_url.rsplit("/", 1)[0] + f"/{db}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
        if exists and not rebuild:
            with psycopg.connect(url) as connection:
                row = connection.execute(
                    "SELECT count(*) FROM customer WHERE id >= %s", (FIRST_ID,)
                ).fetchone()
            if row is not None and row[0] == customers:
                print(f"reusing {db} ({customers:,} generated customers)")
                return url
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    print(f"building {db} with {customers:,} customers", flush=True)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(SAMPLE_SQL.read_text(encoding="utf-8").encode())
    generate(url, customers)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="garde_bench_fides")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = build(args.admin_url, args.db, args.customers, rebuild=args.rebuild)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "garde.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from garde.dsr.access import access_run_create, access_run_execute
    from garde.dsr.models import DataSystem
    from garde.dsr.services import dataset_import, system_add

    DataSystem.objects.filter(name="bench-fides").delete()
    (dataset,) = dataset_import(
        text=DATASET_YAML.read_text(encoding="utf-8"), filename=DATASET_YAML.name, actor=None
    )
    system_add(
        name="bench-fides", type="postgres", url=url, actor=None, datasets=[dataset.fides_key]
    )

    rng = random.Random(args.seed)
    timings: list[float] = []
    rows_seen: list[int] = []
    statements: list[int] = []
    for _ in range(args.requests):
        customer = rng.randrange(FIRST_ID, FIRST_ID + args.customers)
        started = time.perf_counter()
        run = access_run_create(
            identities={"email": f"bench-{customer}@example.com"}, actor=None, language="fr"
        )
        run = access_run_execute(run=run)
        timings.append((time.perf_counter() - started) * 1000)
        rows_seen.append(int(run.result.get("rows", 0)))
        statements.append(int(run.result.get("statements", 0)))
        if run.status == "failed" or run.result.get("failures"):
            print(f"request failed: {run.error or run.result.get('failures')}", file=sys.stderr)
            return 1

    first, rest = timings[0], sorted(timings[1:]) or [timings[0]]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"customers: {args.customers:,}; requests: {args.requests}; rows per package: "
        f"{statistics.median(rows_seen):.0f} (median); queries per request: "
        f"{statistics.median(statements):.0f} (median)"
    )
    print(f"first request: {first:.1f} ms")
    print(
        f"end to end (ms): median {statistics.median(rest):.1f}, "
        f"p95 {rest[int(0.95 * (len(rest) - 1))]:.1f}, max {rest[-1]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
