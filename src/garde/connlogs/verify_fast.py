"""The hot loop of ``verify``: recompute a segment's leaves from its rows, fast.

PostgreSQL builds the version-1 encoding (``garde.connlogs.encoding``) and hashes it itself
(``PG_LEAF``), compares each leaf with the stored one and returns only the 32-byte leaves. On
SQLite, whose string functions turned out slower than Python's for this (its date functions, and
the checks that its ``length()`` and ``printf()`` agree with Python's, cost more than the
f-string), Python encodes with an inlined copy of ``entry_text`` and a per-second cache of the
time; a large committed segment is split into sequence ranges checked by worker processes.

Sequence, index and leaf checks are made a whole chunk at a time. Whenever anything is off, the
chunk (or, after a failed parallel check, the whole segment) is walked again row by row with the
reference encoding (``entry_text``), which names the first problem exactly as ``verify`` always
has. tests/connlogs/test_verify_fast.py proves both fast encodings equal ``entry_text``.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

from django.db import connections

from garde.connlogs.encoding import EPOCH, entry_text
from garde.connlogs.heads import DB

CHUNK = 50_000
PARALLEL_MIN = 200_000
"""Segments smaller than this are checked in the calling process."""
SECONDS_CACHED = 500_000
_MICROSECOND = timedelta(microseconds=1)

_PG_F = "char_length({c}) || ':' || {c}"
_PG_O = "CASE WHEN {c} IS NULL THEN '-' ELSE char_length({c}) || ':' || {c} END"


def pg_rows(where: str) -> str:
    """The ``connlogs_entry`` rows matching ``where``, with the integer and time columns already
    as the encoding's text (``seq_t``, ``day_t``, ``index_t``, ``us_t``, ``port_t``): computed
    once each (OFFSET 0 keeps PostgreSQL from inlining them into both of their uses)."""
    return (
        '(SELECT seq, "index", leaf_hash, seq::text AS seq_t, segment_day::text AS day_t, '  # noqa: S608 - constant
        '"index"::text AS index_t, ((extract(epoch from ts) * 1000000)::bigint)::text AS us_t, '
        "service, event, account, ip, port::text AS port_t, session, raw "
        f"FROM connlogs_entry WHERE {where} OFFSET 0) AS r"
    )


PG_ENTRY_TEXT = "'v1' || " + " || ".join(
    [
        _PG_F.format(c="seq_t"),
        _PG_F.format(c="day_t"),
        _PG_F.format(c="index_t"),
        _PG_F.format(c="us_t"),
        _PG_F.format(c="service"),
        _PG_F.format(c="event"),
        _PG_O.format(c="account"),
        _PG_O.format(c="ip"),
        _PG_O.format(c="port_t"),
        _PG_O.format(c="session"),
        _PG_F.format(c="raw"),
    ]
)
"""The entry text (before UTF-8) of a row of ``pg_rows`` (text cannot hold a NUL in
PostgreSQL, so ``char_length`` and ``||`` see every character)."""
PG_LEAF = f"sha256('\\x00'::bytea || convert_to({PG_ENTRY_TEXT}, 'UTF8'))"
"""The leaf hash (bytea) of a row of ``pg_rows``."""

_PG_QUERY = (
    "SELECT seq, \"index\", leaf, encode(leaf, 'hex') = leaf_hash FROM "  # noqa: S608 - constant
    f'(SELECT seq, "index", leaf_hash, {PG_LEAF} AS leaf FROM '
    + pg_rows("segment_day = %s{range}")
    + " OFFSET 0) AS e ORDER BY seq"
)
_SQLITE_COLUMNS = (
    "seq, \"index\", ts || '', service, event, account, ip, port, session, raw, leaf_hash"
)
_SQLITE_QUERY = (
    f"SELECT {_SQLITE_COLUMNS} FROM connlogs_entry "  # noqa: S608 - constant
    "WHERE segment_day = %s ORDER BY seq"
)
# seq ranges are read through the primary key's index, in order; "+": not by the day index.
_SQLITE_RANGE_QUERY = (
    f"SELECT {_SQLITE_COLUMNS} FROM connlogs_entry "  # noqa: S608 - constant
    "WHERE seq BETWEEN ? AND ? AND +segment_day = ? ORDER BY seq"
)


@dataclass
class LeafProblem:
    """The first entry-level problem of a segment: the entry and what is wrong."""

    seq: int
    message: str


def _sqlite_micros(text: Any) -> int:
    """Microseconds since the epoch of Django's SQLite datetime text, decoded as ``verify``
    always has (the reference path)."""
    if isinstance(text, str) and len(text) == 26 and text[19] == "." and text[20:].isdigit():
        second = datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
        return (second - EPOCH) // _MICROSECOND + int(text[20:])
    # Not what ingest writes: decode it the slow way so the leaf check reports it.
    return (datetime.fromisoformat(str(text)).replace(tzinfo=UTC) - EPOCH) // _MICROSECOND


def sqlite_leaves(
    rows: Sequence[tuple[Any, ...]],
    day_iso: str,
    seconds: dict[str, int] | None = None,
) -> list[bytes] | None:
    """The leaves of ``rows`` (``_SQLITE_COLUMNS``), encoded as ``entry_text`` does; None when a
    row is not exactly in the shape ingest writes (the caller then takes the reference path).
    ``seconds`` caches the microseconds of each second's text from one call to the next."""
    day_field = f"{len(day_iso)}:{day_iso}"
    if seconds is None:
        seconds = {}
    if len(seconds) > SECONDS_CACHED:
        seconds.clear()
    leaves: list[bytes] = []
    append = leaves.append
    for seq, index, ts, service, event, account, ip, port, session, raw, _ in rows:
        if (
            type(ts) is not str
            or type(service) is not str
            or type(event) is not str
            or type(raw) is not str
            or (account is not None and type(account) is not str)
            or (ip is not None and type(ip) is not str)
            or (session is not None and type(session) is not str)
            or (port is not None and type(port) is not int)
        ):
            return None
        second = ts[:19]
        base = seconds.get(second)
        if base is None:
            try:
                parsed = datetime.fromisoformat(second)
            except ValueError:
                return None
            # Only Django's own form: fromisoformat also reads "T", week dates and others.
            if parsed.isoformat(sep=" ") != second:
                return None
            base = (parsed.replace(tzinfo=UTC) - EPOCH) // _MICROSECOND
            seconds[second] = base
        if len(ts) == 19:
            micros = str(base)
        else:
            fraction = ts[20:]
            if (
                ts[19] != "."
                or len(fraction) != 6
                or not (fraction.isascii() and fraction.isdigit())
            ):
                return None
            micros = str(base + int(fraction))
        seq_s = str(seq)
        index_s = str(index)
        append(
            sha256(
                f"\0v1{len(seq_s)}:{seq_s}{day_field}{len(index_s)}:{index_s}"
                f"{len(micros)}:{micros}{len(service)}:{service}{len(event)}:{event}"
                f"{'-' if account is None else f'{len(account)}:{account}'}"
                f"{'-' if ip is None else f'{len(ip)}:{ip}'}"
                f"{'-' if port is None else f'{len(p := str(port))}:{p}'}"
                f"{'-' if session is None else f'{len(session)}:{session}'}"
                f"{len(raw)}:{raw}".encode()
            ).digest()
        )
    return leaves


def _reference_rows(day: date, vendor: str, low: int, high: int) -> list[tuple[Any, ...]]:
    """The rows of ``day`` with ``low <= seq <= high`` as the reference loop reads them."""
    if vendor == "postgresql":
        columns = (
            'seq, segment_day::text, "index", (extract(epoch from ts) * 1000000)::bigint, '
            "service, event, account, ip, port, session, raw, leaf_hash"
        )
    else:
        columns = (
            "seq, segment_day || '', \"index\", ts || '', service, event, account, ip, port, "
            "session, raw, leaf_hash"
        )
    sql = (
        f"SELECT {columns} FROM connlogs_entry "  # noqa: S608 - constant
        "WHERE segment_day = %s AND seq BETWEEN %s AND %s ORDER BY seq"
    )
    with connections[DB].cursor() as cursor:
        cursor.execute(sql, [day if vendor == "postgresql" else day.isoformat(), low, high])
        return list(cursor.fetchall())


class _Walk:
    """The running state of a segment's check: the next expected seq and index, the leaves so
    far and the first problem."""

    def __init__(self, day: date, first_seq: int) -> None:
        self.day_iso = day.isoformat()
        self.expected_seq = first_seq
        self.expected_index = 0
        self.leaves: list[bytes] = []
        self.first: LeafProblem | None = None
        self.seconds: dict[str, int] = {}

    def reference(self, rows: list[tuple[Any, ...]], vendor: str) -> None:
        """Check ``rows`` (as ``_reference_rows`` gives them) one by one with ``entry_text``:
        the original loop of ``verify``, which names the first problem."""
        append = self.leaves.append
        for seq, day, index, ts, service, event, account, ip, port, session, raw, stored in rows:
            ts_us = ts if vendor == "postgresql" else _sqlite_micros(ts)
            digest = sha256(
                b"\x00"
                + entry_text(
                    seq, day, index, ts_us, service, event, account, ip, port, session, raw
                ).encode()
            ).digest()
            if self.first is None:
                expected_seq = self.expected_seq
                if seq != expected_seq:
                    if seq > expected_seq:
                        message = f"entry {expected_seq} is missing (next row is {seq})"
                    else:
                        message = f"row {seq} is out of order or duplicated"
                    self.first = LeafProblem(expected_seq, message)
                elif index != self.expected_index or day != self.day_iso:
                    self.first = LeafProblem(seq, "position (day, index) was changed")
                elif digest.hex() != stored:
                    self.first = LeafProblem(seq, "content does not match its leaf hash")
            append(digest)
            self.expected_seq += 1
            self.expected_index += 1

    def positions_ok(self, seqs: Sequence[int], indexes: Sequence[int]) -> bool:
        """Whether a chunk's rows are exactly the next seqs and indexes (their day is the
        segment's: the queries select by it)."""
        n = len(seqs)
        return list(seqs) == list(range(self.expected_seq, self.expected_seq + n)) and list(
            indexes
        ) == list(range(self.expected_index, self.expected_index + n))

    def accept(self, leaves: list[bytes]) -> None:
        self.leaves.extend(leaves)
        self.expected_seq += len(leaves)
        self.expected_index += len(leaves)


def _chunks(sql: str, param: Any) -> Iterator[list[tuple[Any, ...]]]:
    with connections[DB].cursor() as cursor:
        cursor.execute(sql, [param])
        while True:
            chunk = cursor.fetchmany(CHUNK)
            if not chunk:
                return
            yield chunk


def _chunk_leaves(
    chunk: list[tuple[Any, ...]], walk: _Walk, postgres: bool
) -> tuple[list[bytes] | None, bool]:
    """The chunk's leaves by the fast encoding (None when it declines) and whether every
    stored leaf hash matches them."""
    if postgres:
        leaves = [row[2] for row in chunk]
        return leaves, all(row[3] for row in chunk)
    fast = sqlite_leaves(chunk, walk.day_iso, walk.seconds)
    if fast is None:
        return None, False
    try:
        same = b"".join(fast).hex() == "".join([row[10] for row in chunk])
    except TypeError:  # a NULL leaf_hash
        same = False
    return fast, same


def _serial(day: date, first_seq: int, vendor: str) -> tuple[list[bytes], LeafProblem | None]:
    walk = _Walk(day, first_seq)
    postgres = vendor == "postgresql"
    sql = _PG_QUERY.format(range="") if postgres else _SQLITE_QUERY
    for chunk in _chunks(sql, day if postgres else day.isoformat()):
        leaves, same = _chunk_leaves(chunk, walk, postgres)
        if leaves is not None:
            if walk.first is not None:
                # Past the first problem only the leaves matter (the tree checks need them).
                walk.accept(leaves)
                continue
            if same and walk.positions_ok([r[0] for r in chunk], [r[1] for r in chunk]):
                walk.accept(leaves)
                continue
        walk.reference(_reference_rows(day, vendor, chunk[0][0], chunk[-1][0]), vendor)
    return walk.leaves, walk.first


def _sqlite_range(path: str, day_iso: str, first_seq: int, low: int, high: int) -> bytes | None:
    """Worker: the concatenated leaves of seqs ``low..high`` of the day, or None unless the
    rows are exactly those seqs, each at index ``seq - first_seq``, with every stored leaf
    matching (the caller then checks the segment serially, which names the problem)."""
    try:
        connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return _sqlite_range_read(connection, day_iso, first_seq, low, high)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _sqlite_range_read(
    connection: sqlite3.Connection, day_iso: str, first_seq: int, low: int, high: int
) -> bytes | None:
    cursor = connection.execute(_SQLITE_RANGE_QUERY, (low, high, day_iso))
    out: list[bytes] = []
    expected = low
    seconds: dict[str, int] = {}
    while chunk := cursor.fetchmany(CHUNK):
        leaves = sqlite_leaves(chunk, day_iso, seconds)
        n = len(chunk)
        if (
            leaves is None
            or [r[0] for r in chunk] != list(range(expected, expected + n))
            or [r[1] for r in chunk] != list(range(expected - first_seq, expected - first_seq + n))
        ):
            return None
        joined = b"".join(leaves)
        try:
            if joined.hex() != "".join([r[10] for r in chunk]):
                return None
        except TypeError:  # a NULL leaf_hash
            return None
        out.append(joined)
        expected += n
    return b"".join(out) if expected == high + 1 else None


def _pg_range(day: date, first_seq: int, low: int, high: int, *, thread: bool) -> bytes | None:
    """As ``_sqlite_range`` on PostgreSQL; in a ``thread`` of its own (on the connection Django
    opens for that thread, closed at the end) or in the calling one."""
    connection = connections[DB]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_PG_QUERY.format(range=" AND seq BETWEEN %s AND %s"), [day, low, high])
            out: list[bytes] = []
            expected = low
            while chunk := cursor.fetchmany(CHUNK):
                n = len(chunk)
                if (
                    [r[0] for r in chunk] != list(range(expected, expected + n))
                    or [r[1] for r in chunk]
                    != list(range(expected - first_seq, expected - first_seq + n))
                    or not all(r[3] for r in chunk)
                ):
                    return None
                out.append(b"".join([bytes(r[2]) for r in chunk]))
                expected += n
        return b"".join(out) if expected == high + 1 else None
    finally:
        if thread:
            connection.close()


def _committed() -> bool:
    """Whether other connections see what this one sees (no transaction of its own open)."""
    return not connections[DB].in_atomic_block


def _sqlite_file() -> str | None:
    """The connection-log SQLite file, when other processes can read what it holds (committed,
    on disk), else None."""
    name = str(connections[DB].settings_dict["NAME"])
    if not _committed() or name.startswith("file:") or ":memory:" in name:
        return None
    return name if os.path.isfile(name) else None


def _parallel(
    day: date, first_seq: int, size: int, workers: int, path: str | None
) -> list[bytes] | None:
    """The segment's leaves checked in ``workers`` seq ranges at once, one of them in this
    thread, the others in processes (SQLite file ``path``) or threads with their own connection
    (PostgreSQL, ``path`` None); None when any check fails or a row of the day lies outside
    ``first_seq..first_seq+size-1``."""
    with connections[DB].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM connlogs_entry WHERE segment_day = %s", [day])
        (count,) = cursor.fetchone()
    if count != size:
        return None
    bounds = [first_seq + size * k // workers for k in range(workers + 1)]
    ranges = [(bounds[k], bounds[k + 1] - 1) for k in range(workers)]
    parts: list[bytes | None]
    if path is None:
        with ThreadPoolExecutor(workers - 1) as threads:
            pending = [
                threads.submit(_pg_range, day, first_seq, *r, thread=True) for r in ranges[1:]
            ]
            parts = [_pg_range(day, first_seq, *ranges[0], thread=False)]
            parts += [future.result() for future in pending]
    else:
        day_iso = day.isoformat()
        # fork: the workers need nothing of Django, only this module's functions.
        with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
            waiting = [
                pool.apply_async(_sqlite_range, (path, day_iso, first_seq, *r)) for r in ranges[1:]
            ]
            parts = [_sqlite_range(path, day_iso, first_seq, *ranges[0])]
            parts += [result.get() for result in waiting]
    if any(part is None for part in parts):
        return None
    joined = b"".join(part for part in parts if part is not None)
    return [joined[at : at + 32] for at in range(0, len(joined), 32)]


def segment_leaves_check(
    *,
    day: date,
    first_seq: int,
    last_seq: int | None,
    size: int,
    vendor: str,
    workers: int | None = None,
) -> tuple[list[bytes], LeafProblem | None]:
    """The recomputed leaf hashes of the rows of segment ``day`` in seq order, and the first
    entry-level problem. ``first_seq`` is the seq expected first; ``last_seq`` and ``size`` are
    the segment's. ``workers`` (default: one per CPU) processes (SQLite) or connections
    (PostgreSQL) share a large committed segment."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if (
        workers > 1
        and size >= PARALLEL_MIN
        and last_seq is not None
        and last_seq - first_seq + 1 == size
        and _committed()
    ):
        path = _sqlite_file() if vendor == "sqlite" else None
        if vendor == "postgresql" or path is not None:
            leaves = _parallel(day, first_seq, size, workers, path)
            if leaves is not None:
                return leaves, None
    return _serial(day, first_seq, vendor)
