# ruff: noqa: S101, S608 - a benchmark script: asserts and constant SQL
"""Connection-log ingest and verify benchmark (issue 6). Run by hand; results go in
docs/benchmarks.md.

    GARDE_DATA_DIR=/tmp/bench python bench/connlogs_ingest.py [--lines 2000000] [--postgres URL]
    ... --verify-only [--reuse DIR | --postgres URL] [--compare]

Generates JSONL lines, times the full ingest (parse, validate, hash, tree, commit) into a fresh
connection-log store, inserts the same rows into a plain SQLite table with ``executemany`` and
no hashing (same columns and indexes), prints both rates and the ratio, then times ``verify``.
The work directory is printed; ``--verify-only`` times ``verify`` alone on the store a previous
run left there (``--reuse DIR``) or in the PostgreSQL database. The load average is printed with
the figures: the rates depend on what else the machine runs, so the CPU time of this process
(all its threads) is printed too. ``--compare`` times verify a second time with the native
extension switched off (GARDE_NATIVE_VERIFY=0: the pure-Python path).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def lines(n: int) -> list[str]:
    out = []
    for i in range(n):
        out.append(
            json.dumps(
                {
                    "ts": (
                        f"2026-03-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
                        f".{i % 1000000:06d}Z"
                    ),
                    "service": "sshd",
                    "event": "login" if i % 2 else "logout",
                    "account": f"user{i % 5000}",
                    "ip": f"192.0.{i % 256}.{i % 253}",
                    "port": 1024 + i % 60000,
                    "session": f"sshd[{i}]",
                }
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--postgres", help="postgres://... of an empty connlogs database")
    parser.add_argument("--verify-only", action="store_true", help="time verify on a filled store")
    parser.add_argument("--reuse", type=Path, help="work directory of a previous run (SQLite)")
    parser.add_argument("--compare", action="store_true", help="also time the pure-Python path")
    args = parser.parse_args()
    work = args.reuse or Path(tempfile.mkdtemp(prefix="connlogs-bench-"))
    print(f"work directory: {work}", file=sys.stderr)
    os.environ.setdefault("GARDE_DATA_DIR", str(work))
    if args.postgres:
        os.environ["GARDE_CONNLOGS_DATABASE_URL"] = args.postgres
    else:
        os.environ["GARDE_CONNLOGS_DATABASE_URL"] = f"sqlite:///{work / 'connlogs.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "garde.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from garde.connlogs.ingest import ENTRY_COLUMNS, ingest_lines
    from garde.connlogs.parsers import parse_jsonl

    call_command("migrate", database="connlogs", verbosity=0)
    if args.verify_only:
        _verify_timed(postgres=bool(args.postgres))
        if args.compare:
            os.environ["GARDE_NATIVE_VERIFY"] = "0"
            _verify_timed(postgres=bool(args.postgres))
        return
    data = lines(args.lines)
    print(f"{len(data)} lines generated", file=sys.stderr)

    start = time.perf_counter()
    report = ingest_lines(fmt="jsonl", lines=data, source="bench", batch_size=20_000)
    ingest_s = time.perf_counter() - start
    assert report.accepted == len(data), report.rejected[:3]

    plain = sqlite3.connect(work / "plain.sqlite3")
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("PRAGMA synchronous=NORMAL")
    plain.execute(
        'CREATE TABLE plain (seq integer primary key, segment_day date, "index" bigint, '
        "ts datetime, service varchar, event varchar, account varchar, ip varchar, port integer, "
        "session varchar, raw text, leaf_hash varchar)"
    )
    for column in ("segment_day", "ts", "account", "ip"):
        plain.execute(f"CREATE INDEX plain_{column} ON plain ({column})")
    # The plain baseline gets its rows ready-made: only executemany and the commits are timed.
    rows = []
    for seq, line in enumerate(data, start=1):
        p = json.loads(line)
        rows.append(
            (
                seq,
                "2026-03-01",
                seq - 1,
                p["ts"],
                p["service"],
                p["event"],
                p["account"],
                p["ip"],
                p["port"],
                p["session"],
                line,
                "",
            )
        )
    insert = f"INSERT INTO plain VALUES ({','.join('?' * 12)})"
    start = time.perf_counter()
    for at in range(0, len(rows), 20_000):
        plain.executemany(insert, rows[at : at + 20_000])
        plain.commit()
    plain_s = time.perf_counter() - start

    n = len(data)
    print(f"backend: {'postgresql' if args.postgres else 'sqlite'}; lines: {n}")
    print(f"full ingest: {n / ingest_s:,.0f} lines/s ({ingest_s:.1f} s)")
    print(
        f"plain executemany (rows ready-made, no hashing): {n / plain_s:,.0f} rows/s "
        f"({plain_s:.1f} s)"
    )
    print(f"ratio: {100 * plain_s / ingest_s:.0f}%")
    _verify_timed(postgres=bool(args.postgres))
    _ = (ENTRY_COLUMNS, parse_jsonl)


def _verify_timed(*, postgres: bool) -> None:
    from garde.connlogs.verify import verify
    from garde.connlogs.verify_native import available

    native = available() and os.environ.get("GARDE_NATIVE_VERIFY", "1") != "0"
    load = os.getloadavg()[0]
    cpu = time.process_time()
    start = time.perf_counter()
    checked = verify()
    verify_s = time.perf_counter() - start
    cpu_s = time.process_time() - cpu
    assert checked.ok, checked.problems[:3]
    print(
        f"verify ({'postgresql' if postgres else 'sqlite'}, "
        f"{'native' if native else 'pure Python'}, {os.cpu_count()} CPUs, load "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after): "
        f"{checked.entries_checked / verify_s:,.0f} entries/s "
        f"({checked.entries_checked} in {verify_s:.2f} s; this process used {cpu_s:.2f} s CPU)"
    )


if __name__ == "__main__":
    main()
