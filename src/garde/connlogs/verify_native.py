"""The native path of ``verify``: a segment's leaves and tree checked by ``garde.connlogs._native``.

The C extension (``_native.c``, built by setup.py when a compiler is there) reads a range of
rows in seq order, rebuilds each row's version-1 encoding, hashes and compares its leaf, checks
seq and index continuity and folds the range's RFC 9162 tree, with the GIL released: from the
SQLite file it opens read-only itself, or from PostgreSQL's binary ``COPY`` output. A large
segment is split into ranges checked in threads at once. Each range starts at a multiple of a
power of two ``B`` and holds at most ``B`` leaves, so every perfect subtree of its compact range
is a subtree of the segment's tree and the ranges' compact ranges stack into the segment's
(``_push``); the root at any size is folded from that stack.

``tree_check`` returns the roots at the sizes asked for, or None whenever it cannot vouch for the
whole segment (extension missing, uncommitted data, a row refused): the caller then takes the
pure-Python path of ``verify_fast``, which names the first problem as it always has.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from hashlib import sha256
from types import ModuleType
from typing import Any

from django.db import connections

from garde.connlogs.heads import DB
from garde.connlogs.merkle import EMPTY_ROOT

logger = logging.getLogger(__name__)

_native: ModuleType | None
try:
    from garde.connlogs import _native
except ImportError:  # no compiler when installed: the pure-Python path does everything
    _native = None

PARALLEL_MIN = 131_072
"""Segments smaller than this are checked as one range."""
RANGE_MIN = 1 << 14
RANGES_PER_WORKER = 2
COPY_COLUMNS = 'seq, "index", ts, service, event, account, ip, port, session, raw, leaf_hash'

Stack = list[tuple[int, bytes]]
"""A compact range: (height, root) of perfect subtrees, largest (leftmost) first."""


def available() -> bool:
    """Whether the C extension is built and importable."""
    return _native is not None


@dataclass
class RangeResult:
    """What the extension reports for seqs ``low..high``: the seq expected at the first row it
    refused (None: all fine), the leaves folded, their compact range and the compact range at
    each requested local size."""

    bad: int | None
    count: int
    frontier: bytes
    snapshots: list[bytes]


@dataclass
class NativeCheck:
    """A segment checked natively: the first refused seq (None: every row matched) and, when
    none was refused, the root at each size asked for."""

    first_bad: int | None
    roots: dict[int, bytes]


def _stack(count: int, packed: bytes) -> Stack:
    """The compact range of ``count`` leaves from its concatenated hashes."""
    heights = [h for h in range(count.bit_length() - 1, -1, -1) if count >> h & 1]
    return [(h, packed[32 * i : 32 * i + 32]) for i, h in enumerate(heights)]


def _push(stack: Stack, height: int, node: bytes) -> None:
    """Add a perfect subtree of ``height`` whose first leaf is at a multiple of 2**height."""
    while stack and stack[-1][0] == height:
        _, left = stack.pop()
        node = sha256(b"\x01" + left + node).digest()
        height += 1
    stack.append((height, node))


def _root(stack: Stack) -> bytes:
    if not stack:
        return EMPTY_ROOT
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = sha256(b"\x01" + left + root).digest()
    return root


def plan(size: int, workers: int) -> list[tuple[int, int]]:
    """Leaf-index ranges ``[start, end)`` covering ``size`` leaves: each starts at a multiple of
    a power of two ``B`` and holds at most ``B`` leaves (see the module docstring)."""
    if workers <= 1 or size < PARALLEL_MIN:
        return [(0, size)]
    wanted = -(-size // (workers * RANGES_PER_WORKER))
    block = max(RANGE_MIN, 1 << (wanted - 1).bit_length())
    return [(start, min(start + block, size)) for start in range(0, size, block)]


def _sqlite_path() -> str | None:
    connection = connections[DB]
    name = str(connection.settings_dict["NAME"])
    if name.startswith("file:") or ":memory:" in name or not os.path.isfile(name):
        return None
    return name


def _sqlite_range(
    path: str, day: str, first_seq: int, low: int, high: int, marks: list[int]
) -> RangeResult:
    assert _native is not None  # noqa: S101 - checked by the caller
    return RangeResult(*_native.verify_sqlite(path, day, first_seq, low, high, marks))


def _pg_range(day: date, first_seq: int, low: int, high: int, marks: list[int]) -> RangeResult:
    """One range through ``COPY ... TO STDOUT (FORMAT BINARY)`` on this thread's connection."""
    assert _native is not None  # noqa: S101 - checked by the caller
    check = _native.CopyCheck(day.isoformat(), first_seq, low, high, marks)
    sql = (
        f"COPY (SELECT {COPY_COLUMNS} FROM connlogs_entry "  # noqa: S608 - constant
        "WHERE segment_day = %s AND seq BETWEEN %s AND %s ORDER BY seq) TO STDOUT (FORMAT BINARY)"
    )
    connection = connections[DB]
    connection.ensure_connection()
    raw: Any = connection.connection
    with raw.cursor() as cursor, cursor.copy(sql, [day, low, high]) as copy:
        feed = check.feed
        # Read to the end even past a refused row: leaving a COPY early needs a cancel.
        for block in copy:
            feed(block)
    return RangeResult(*check.finish())


def _run_range(
    vendor: str,
    path: str | None,
    day: date,
    first_seq: int,
    start: int,
    end: int,
    marks: list[int],
    pooled: bool,
) -> RangeResult:
    """Check leaves ``start..end-1``; ``pooled``: in a worker thread, whose own database
    connection is closed at the end."""
    low, high = first_seq + start, first_seq + end - 1
    local = [m - start for m in marks if start < m <= end]
    if vendor == "sqlite":
        assert path is not None  # noqa: S101
        return _sqlite_range(path, day.isoformat(), first_seq, low, high, local)
    try:
        return _pg_range(day, first_seq, low, high, local)
    finally:
        if pooled:
            connections[DB].close()


def _outside(day: date, first_seq: int, last_seq: int) -> int | None:
    """The seq the reference walk would name for a row of the day outside
    ``first_seq..last_seq`` (the ranges read only those seqs), or None: a min/max of the
    (day, seq) index."""
    with connections[DB].cursor() as cursor:
        cursor.execute(
            "SELECT min(seq), max(seq) FROM connlogs_entry WHERE segment_day = %s",
            [day if connections[DB].vendor == "postgresql" else day.isoformat()],
        )
        low, high = cursor.fetchone() or (None, None)
    if low is None or high is None:
        return first_seq
    if low < first_seq:
        return first_seq
    if high > last_seq:
        return last_seq + 1
    return None


def tree_check(
    *,
    day: date,
    first_seq: int,
    last_seq: int | None,
    size: int,
    vendor: str,
    sizes: Sequence[int],
    workers: int | None = None,
) -> NativeCheck | None:
    """The segment ``day`` checked by the extension, with its roots at ``sizes`` (each
    ``<= size``); None when the native path does not apply (see the module docstring)."""
    if (
        _native is None
        or os.environ.get("GARDE_NATIVE_VERIFY", "1") == "0"
        or size <= 0
        or last_seq is None
        or last_seq - first_seq + 1 != size
        or connections[DB].in_atomic_block  # other connections would not see this one's rows
        or vendor not in ("sqlite", "postgresql")
        or any(not 0 <= s <= size for s in sizes)
    ):
        return None
    path = _sqlite_path() if vendor == "sqlite" else None
    if vendor == "sqlite" and path is None:
        return None
    outside = _outside(day, first_seq, last_seq)
    marks = sorted({s for s in sizes if s > 0})
    ranges = plan(size, workers if workers is not None else (os.cpu_count() or 1))
    pooled = len(ranges) > 1
    args = [(vendor, path, day, first_seq, start, end, marks, pooled) for start, end in ranges]
    try:
        if len(ranges) == 1:
            results = [_run_range(*args[0])]
        else:
            with ThreadPoolExecutor(min(len(ranges), workers or os.cpu_count() or 1)) as pool:
                results = list(pool.map(lambda a: _run_range(*a), args))
    except Exception:  # any failure of this optional path: the Python path decides
        logger.warning(
            "native verification of %s failed; using the Python path", day, exc_info=True
        )
        return None
    check = _combine(ranges, results, marks)
    if outside is not None and (check.first_bad is None or outside < check.first_bad):
        return NativeCheck(first_bad=outside, roots={})
    return check


def _combine(
    ranges: list[tuple[int, int]], results: list[RangeResult], marks: list[int]
) -> NativeCheck:
    roots: dict[int, bytes] = {0: EMPTY_ROOT}
    stack: Stack = []
    for (start, end), result in zip(ranges, results, strict=True):
        if result.bad is not None:
            return NativeCheck(first_bad=result.bad, roots={})
        local = [m - start for m in marks if start < m <= end]
        for mark, snapshot in zip(local, result.snapshots, strict=True):
            copy = list(stack)
            for height, node in _stack(mark, snapshot):
                _push(copy, height, node)
            roots[start + mark] = _root(copy)
        for height, node in _stack(result.count, result.frontier):
            _push(stack, height, node)
    return NativeCheck(first_bad=None, roots=roots)
