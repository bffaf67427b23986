"""Ingest: parsed connection events become entries, leaves of the day's segment.

Segments are cut by the UTC day of *ingestion*, not of the connection: a segment is then one
contiguous range of sequence numbers that only ever grows at its end, and it can be closed (its
final head signed) as soon as the day is over, whatever late lines arrive later. Retention looks
at the connection times a segment holds (``Segment.max_ts``), so a late line keeps its segment
for a year from that line's connection.

Each batch is one transaction on the ``connlogs`` database: lock, allocate the next sequence
numbers, hash the entries, extend the segment's streaming tree, insert the rows (``COPY`` on
PostgreSQL, ``executemany`` on SQLite), save the segment's size, root and tree state. Nothing is
acknowledged before that transaction commits, so a crash loses only unacknowledged lines and
never leaves a tree that disagrees with its rows. Concurrent ingesters are serialised: on
PostgreSQL by a transaction-scoped advisory lock, on SQLite by the write lock its first
statement takes (the connlogs connection also begins transactions IMMEDIATE).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Max

from garde.connlogs.choices import SegmentStatus
from garde.connlogs.encoding import EPOCH, entry_text
from garde.connlogs.errors import ConnlogsError
from garde.connlogs.heads import head_sign, segments_close_before
from garde.connlogs.merkle import TreeBuilder
from garde.connlogs.models import (
    ACCOUNT_MAX,
    EVENT_MAX,
    IP_MAX,
    SERVICE_MAX,
    SESSION_MAX,
    Segment,
)
from garde.connlogs.parsers import LineRejected, ParsedLine, parse_lines

DB = "connlogs"
# Any constant: the key of the PostgreSQL advisory lock that serialises ingesters.
ADVISORY_LOCK_KEY = 0x636F6E6E6C6F6773  # "connlogs"
ENTRY_COLUMNS = (
    "seq",
    "segment_day",
    "index",
    "ts",
    "service",
    "event",
    "account",
    "ip",
    "port",
    "session",
    "raw",
    "leaf_hash",
)
_MICROSECOND = timedelta(microseconds=1)
_LIMITS = (
    ("service", SERVICE_MAX),
    ("event", EVENT_MAX),
    ("account", ACCOUNT_MAX),
    ("ip", IP_MAX),
    ("session", SESSION_MAX),
)


@dataclass(frozen=True)
class IngestBatch:
    """One committed batch: its sequence range (None when empty) and how many entries."""

    first_seq: int | None
    last_seq: int | None
    accepted: int


@dataclass(frozen=True)
class IngestProgress:
    """Reported after each committed batch: ``line`` is the last input line number read and
    committed (every accepted line up to it is durable)."""

    line: int
    accepted: int
    rejected: int
    last_seq: int | None


@dataclass
class IngestReport:
    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None


def parsed_problem(item: ParsedLine) -> str | None:
    """Why the store cannot keep ``item`` as it is (a value longer than its column, a NUL
    character, which PostgreSQL text cannot hold), or None."""
    for name, limit in _LIMITS:
        value = getattr(item, name)
        if value is not None and len(value) > limit:
            return f"{name}: longer than {limit} characters"
    for name in ("service", "event", "account", "ip", "session", "raw"):
        value = getattr(item, name)
        if value is not None and "\x00" in value:
            return f"{name}: contains a NUL character"
    if not item.service or not item.event:
        return "service and event are required"
    if item.ts.tzinfo is None:
        return "ts: no time zone"
    if item.port is not None and not 0 <= item.port <= 65535:
        return "port: out of range"
    try:
        item.raw.encode("utf-8")
    except UnicodeEncodeError:
        return "raw: not valid Unicode"
    return None


def _lock(vendor: str) -> None:
    with connections[DB].cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        else:
            # Takes SQLite's write lock now, before anything is read.
            cursor.execute("UPDATE connlogs_segment SET size = size WHERE 0")


def partition_name(day: date) -> str:
    return f"connlogs_entry_d{day:%Y%m%d}"


def partition_ensure(day: date) -> None:
    """Create the PostgreSQL partition of ``day`` if missing (no-op elsewhere)."""
    connection = connections[DB]
    if connection.vendor != "postgresql":
        return
    nxt = day + timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF connlogs_entry "
            f"FOR VALUES FROM ('{day.isoformat()}') TO ('{nxt.isoformat()}')"
        )


def _segment_for(day: date, now: datetime) -> Segment:
    segments_close_before(day, now=now)
    segment = Segment.objects.using(DB).filter(day=day).first()
    if segment is None:
        partition_ensure(day)
        segment = Segment.objects.using(DB).create(day=day)
    if segment.status != SegmentStatus.OPEN:
        raise ConnlogsError(
            f"the segment of {day.isoformat()} is {segment.status}; nothing can be appended"
        )
    return segment


def _next_seq() -> int:
    last = Segment.objects.using(DB).aggregate(last=Max("last_seq"))["last"]
    return (last or 0) + 1


def _rows(
    items: Sequence[ParsedLine], *, day: date, first_seq: int, first_index: int, sqlite: bool
) -> tuple[list[tuple[Any, ...]], list[bytes], datetime, datetime]:
    """The rows to insert and their leaf hashes. The hot loop of ingest."""
    day_iso = day.isoformat()
    rows: list[tuple[Any, ...]] = []
    leaves: list[bytes] = []
    append_row = rows.append
    append_leaf = leaves.append
    epoch = EPOCH
    micro = _MICROSECOND
    utc = UTC
    min_ts = max_ts = items[0].ts
    seq = first_seq
    index = first_index
    for item in items:
        ts = item.ts
        if ts.tzinfo is not utc:
            ts = ts.astimezone(utc)
        if ts < min_ts:
            min_ts = ts
        elif ts > max_ts:
            max_ts = ts
        digest = sha256(
            b"\x00"
            + entry_text(
                seq,
                day_iso,
                index,
                (ts - epoch) // micro,
                item.service,
                item.event,
                item.account,
                item.ip,
                item.port,
                item.session,
                item.raw,
            ).encode()
        ).digest()
        append_leaf(digest)
        append_row(
            (
                seq,
                day_iso if sqlite else day,
                index,
                # Django's SQLite format: naive UTC text.
                str(ts.replace(tzinfo=None)) if sqlite else ts,
                item.service,
                item.event,
                item.account,
                item.ip,
                item.port,
                item.session,
                item.raw,
                digest.hex(),
            )
        )
        seq += 1
        index += 1
    return rows, leaves, min_ts.astimezone(utc), max_ts.astimezone(utc)


def _insert(rows: list[tuple[Any, ...]], vendor: str) -> None:
    connection = connections[DB]
    columns = ", ".join(f'"{name}"' for name in ENTRY_COLUMNS)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw_cursor: Any = cursor.cursor
            with raw_cursor.copy(f"COPY connlogs_entry ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(ENTRY_COLUMNS))
            # The raw sqlite3 cursor: Django's wrapper would rewrite every parameter.
            raw = cursor.cursor
            raw.executemany(f"INSERT INTO connlogs_entry ({columns}) VALUES ({marks})", rows)  # noqa: S608 - constant column names


def ingest_parsed(
    items: Sequence[ParsedLine], *, source: str, now: datetime | None = None
) -> IngestBatch:
    """Append ``items`` to today's (UTC) segment in one transaction; returns after the commit.

    Every item must be acceptable (``parsed_problem`` is None): otherwise ConnlogsError and
    nothing is stored. ``source`` names where the lines came from (a file, "api", "syslog");
    it is for the caller's messages, the entry itself keeps its raw line. Closes the segments of
    past days first, with their final heads, so the chain stays in day order.
    """
    for position, item in enumerate(items, start=1):
        problem = parsed_problem(item)
        if problem is not None:
            raise ConnlogsError(f"{source}: item {position}: {problem}")
    if not items:
        return IngestBatch(first_seq=None, last_seq=None, accepted=0)
    now = now or datetime.now(tz=UTC)
    day = now.astimezone(UTC).date()
    vendor = connections[DB].vendor
    with transaction.atomic(using=DB):
        _lock(vendor)
        segment = _segment_for(day, now)
        first_seq = _next_seq()
        builder = TreeBuilder.from_state(segment.size, segment.tree_state)
        rows, leaves, min_ts, max_ts = _rows(
            items, day=day, first_seq=first_seq, first_index=segment.size, sqlite=vendor == "sqlite"
        )
        _insert(rows, vendor)
        builder.extend(leaves)
        last_seq = first_seq + len(items) - 1
        if segment.first_seq is None:
            segment.first_seq = first_seq
        segment.last_seq = last_seq
        segment.size = builder.size
        segment.root = builder.root().hex()
        segment.tree_state = builder.state()
        segment.min_ts = min(min_ts, segment.min_ts) if segment.min_ts else min_ts
        segment.max_ts = max(max_ts, segment.max_ts) if segment.max_ts else max_ts
        segment.save(
            using=DB,
            update_fields=[
                "first_seq",
                "last_seq",
                "size",
                "root",
                "tree_state",
                "min_ts",
                "max_ts",
            ],
        )
    return IngestBatch(first_seq=first_seq, last_seq=last_seq, accepted=len(items))


def _batches(
    numbered: Iterator[tuple[int, ParsedLine | LineRejected]], batch_size: int
) -> Iterator[tuple[list[ParsedLine], list[tuple[int, str]], int]]:
    """(accepted items, rejects, last line number) per batch of at most ``batch_size`` items."""
    items: list[ParsedLine] = []
    rejects: list[tuple[int, str]] = []
    line = 0
    for line, outcome in numbered:
        if isinstance(outcome, LineRejected):
            rejects.append((line, outcome.reason))
            continue
        problem = parsed_problem(outcome)
        if problem is not None:
            rejects.append((line, problem))
            continue
        items.append(outcome)
        if len(items) >= batch_size:
            yield items, rejects, line
            items, rejects = [], []
    if items or rejects or line:
        yield items, rejects, line


def ingest_lines(
    *,
    fmt: str,
    lines: Iterable[str],
    source: str,
    batch_size: int = 5000,
    progress: Callable[[IngestProgress], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> IngestReport:
    """Parse ``lines`` in format ``fmt`` and ingest them batch by batch, each batch committed
    before ``progress`` hears of it. A rejected line is reported (line number, reason) and never
    stops the rest. During a long ingest the open segment's head is also signed every
    ``GARDE_CONNLOGS_HEAD_INTERVAL_SECONDS``."""
    report = IngestReport()
    interval = float(settings.GARDE_CONNLOGS_HEAD_INTERVAL_SECONDS)
    last_head = time.monotonic()
    clock = now or (lambda: datetime.now(tz=UTC))
    for items, rejects, line in _batches(parse_lines(fmt, lines), batch_size):
        batch = ingest_parsed(items, source=source, now=clock())
        report.rejected.extend(rejects)
        report.accepted += batch.accepted
        if batch.first_seq is not None and report.first_seq is None:
            report.first_seq = batch.first_seq
        if batch.last_seq is not None:
            report.last_seq = batch.last_seq
        if progress is not None:
            progress(
                IngestProgress(
                    line=line,
                    accepted=report.accepted,
                    rejected=len(report.rejected),
                    last_seq=report.last_seq,
                )
            )
        if interval > 0 and time.monotonic() - last_head >= interval and batch.accepted:
            head_sign(now=clock())
            last_head = time.monotonic()
    return report
