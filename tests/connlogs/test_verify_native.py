"""The native path of ``verify`` (garde.connlogs._native through verify_native) against the
pure-Python one: same roots on clean logs, same first problem on tampered ones.

Runs on the configured connection-log database (SQLite by default, PostgreSQL with
GARDE_CONNLOGS_DATABASE_URL). The native path reads committed rows through its own connections,
hence ``transaction=True``. Skipped when the extension is not built, unless GARDE_REQUIRE_NATIVE=1
(CI), where its absence fails.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import struct
import tempfile
from datetime import date, timedelta
from hashlib import sha256

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garde.connlogs import verify_native
from garde.connlogs.heads import head_sign
from garde.connlogs.ingest import ingest_parsed
from garde.connlogs.merkle import TreeBuilder
from garde.connlogs.models import Entry, Segment, SignedHead
from garde.connlogs.parsers.base import ParsedLine
from garde.connlogs.verify import verify
from tests.connlogs.conftest import DAY1, parsed
from tests.connlogs.test_verify_fast import LINES

DBS = ["default", "connlogs"]
D1 = date(2026, 3, 1)
native = pytest.mark.skipif(not verify_native.available(), reason="extension not built")


def test_native_extension_is_built_where_required() -> None:
    # given CI's GARDE_REQUIRE_NATIVE=1 (scripts/test.sh), or a developer's choice
    required = os.environ.get("GARDE_REQUIRE_NATIVE") == "1"
    # when / then the compiled module is importable whenever it is required
    assert verify_native.available() or not required


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connections["connlogs"].cursor() as cursor:
        cursor.execute(statement, params or [])


def _fresh_store(lines: list[ParsedLine]) -> Segment:
    _sql("DELETE FROM connlogs_entry")
    SignedHead.objects.all().delete()
    Segment.objects.all().delete()
    ingest_parsed(lines, source="t", now=DAY1)
    return Segment.objects.get(day=D1)


def _python_roots(day: date) -> dict[int, bytes]:
    """Root at every size of the stored leaf hashes of ``day`` (the reference tree)."""
    builder = TreeBuilder()
    roots = {0: builder.root()}
    for leaf in Entry.objects.filter(segment_day=day).order_by("seq"):
        builder.append(bytes.fromhex(leaf.leaf_hash))
        roots[builder.size] = builder.root()
    return roots


def _native_check(segment: Segment, workers: int = 1) -> verify_native.NativeCheck:
    result = verify_native.tree_check(
        day=segment.day,
        first_seq=segment.first_seq or 1,
        last_seq=segment.last_seq,
        size=segment.size,
        vendor=connections["connlogs"].vendor,
        sizes=range(segment.size + 1),
        workers=workers,
    )
    assert result is not None
    return result


@native
@pytest.mark.django_db(databases=DBS, transaction=True)
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=LINES)
def test_property_native_roots_equal_the_python_tree(lines: list[ParsedLine]) -> None:
    # given random rows: non-ASCII and astral text, empty strings, nulls, any year (1..9999,
    # so before 1970 too), microsecond 0, ports 0..65535
    segment = _fresh_store(lines)
    # when
    result = _native_check(segment)
    # then every row is vouched for and the root at every size is the reference tree's
    assert result.first_bad is None
    assert result.roots == _python_roots(D1)


@native
@pytest.mark.django_db(databases=DBS, transaction=True)
def test_parallel_ranges_stack_into_the_segment_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    # given 45 entries checked in ranges of 8 (an RFC 9162 split on powers of two)
    segment = _fresh_store(parsed(45))
    monkeypatch.setattr(verify_native, "PARALLEL_MIN", 1)
    monkeypatch.setattr(verify_native, "RANGE_MIN", 1)
    # when
    result = _native_check(segment, workers=3)
    # then the roots at every size, across range boundaries, are the reference tree's
    assert verify_native.plan(45, 3) == [(0, 8), (8, 16), (16, 24), (24, 32), (32, 40), (40, 45)]
    assert result.first_bad is None
    assert result.roots == _python_roots(D1)


@native
@pytest.mark.django_db(databases=DBS, transaction=True)
def test_verify_takes_the_native_path_on_a_clean_store(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a committed segment with two signed heads
    ingest_parsed(parsed(20), source="t", now=DAY1)
    head_sign(now=DAY1 + timedelta(minutes=1))
    ingest_parsed(parsed(7, start=DAY1 + timedelta(hours=1)), source="t", now=DAY1)
    head_sign(now=DAY1 + timedelta(minutes=2))
    calls: list[int | None] = []
    original = verify_native.tree_check

    def spy(**kwargs: object) -> verify_native.NativeCheck | None:
        result = original(**kwargs)  # type: ignore[arg-type]
        calls.append(None if result is None else result.first_bad)
        return result

    monkeypatch.setattr("garde.connlogs.verify.tree_check", spy)
    # when
    report = verify()
    # then
    assert calls == [None]
    assert (report.ok, report.entries_checked) == (True, 27)


@pytest.mark.django_db(databases=DBS, transaction=True)
def test_without_the_extension_verify_runs_in_pure_python(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a committed, signed segment, and no compiled extension (no compiler at install)
    ingest_parsed(parsed(30), source="t", now=DAY1)
    head_sign(now=DAY1 + timedelta(minutes=1))
    monkeypatch.setattr(verify_native, "_native", None)
    segment = Segment.objects.get(day=D1)
    # when
    skipped = verify_native.tree_check(
        day=D1, first_seq=1, last_seq=30, size=30, vendor=connections["connlogs"].vendor, sizes=[30]
    )
    report = verify()
    _sql("UPDATE connlogs_entry SET ip = NULL WHERE seq = 17")
    tampered = verify()
    # then the native path declines and the Python path checks and names as always
    assert (skipped, verify_native.available()) == (None, False)
    assert (report.ok, report.entries_checked, segment.size) == (True, 30, 30)
    assert (tampered.problems[0].seq, tampered.problems[0].message) == (
        17,
        "content does not match its leaf hash",
    )


def _tamper(kind: str, at: int, last: int) -> None:
    """Change the stored log at seq ``at`` (1..last) the way an attacker with SQL would."""
    if kind == "edit":
        _sql("UPDATE connlogs_entry SET raw = raw || 'x' WHERE seq = %s", [at])
    elif kind == "null":
        _sql("UPDATE connlogs_entry SET account = NULL WHERE seq = %s", [at])
    elif kind == "leaf":
        _sql("UPDATE connlogs_entry SET leaf_hash = upper(leaf_hash) WHERE seq = %s", [at])
    elif kind == "delete":
        _sql("DELETE FROM connlogs_entry WHERE seq = %s", [at])
    elif kind == "append":
        _sql(
            'INSERT INTO connlogs_entry (seq, segment_day, "index", ts, service, event, account, '
            'ip, port, session, raw, leaf_hash) SELECT seq + %s, segment_day, "index" + %s, ts, '
            "service, event, account, ip, port, session, raw, leaf_hash FROM connlogs_entry "
            "WHERE seq = %s",
            [last + 1 - at, last + 1 - at, at],
        )
    elif kind == "insert":  # shift the rows from `at` on and put a copy of row at-1 at `at`
        _sql("UPDATE connlogs_entry SET seq = seq + 1000000 WHERE seq >= %s", [at])
        _sql("UPDATE connlogs_entry SET seq = seq - 999999 WHERE seq >= 1000000")
        _sql(
            'INSERT INTO connlogs_entry (seq, segment_day, "index", ts, service, event, account, '
            'ip, port, session, raw, leaf_hash) SELECT %s, segment_day, "index", ts, service, '
            "event, account, ip, port, session, raw, leaf_hash FROM connlogs_entry WHERE seq = %s",
            [at, max(at - 1, 1)],
        )
    elif kind == "swap":  # rows `at` and the last exchange their contents (leaf hashes too)
        _sql("UPDATE connlogs_entry SET seq = -1 WHERE seq = %s", [at])
        _sql("UPDATE connlogs_entry SET seq = %s WHERE seq = %s", [at, last])
        _sql("UPDATE connlogs_entry SET seq = %s WHERE seq = -1", [last])
    else:  # pragma: no cover
        raise AssertionError(kind)


KINDS = ["edit", "null", "leaf", "delete", "append", "insert", "swap"]


@native
@pytest.mark.django_db(databases=DBS, transaction=True)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    n=st.integers(min_value=2, max_value=40),
    kind=st.sampled_from(KINDS),
    position=st.floats(min_value=0, max_value=1),
    workers=st.sampled_from([1, 3]),
)
def test_property_native_and_python_name_the_same_first_entry(
    n: int, kind: str, position: float, workers: int
) -> None:
    # given a segment of n entries tampered with at one seq
    segment = _fresh_store(parsed(n))
    at = 1 + min(int(position * n), n - 1)
    if kind == "swap" and at == n:
        at = 1
    _tamper(kind, at, n)
    # when the native check runs (in ranges of 8 when workers > 1) and verify on pure Python
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify_native, "PARALLEL_MIN", 1)
        patch.setattr(verify_native, "RANGE_MIN", 8)
        result = _native_check(segment, workers=workers)
        patch.setenv("GARDE_NATIVE_VERIFY", "0")
        python = verify()
    # then both stop at the same entry, and verify reports the same problems either way
    first_python = next(p.seq for p in python.problems if p.seq is not None)
    assert result.first_bad == first_python
    assert verify().problems == python.problems


@native
@pytest.mark.django_db(databases=DBS, transaction=True)
def test_a_leaf_hash_recomputed_after_an_edit_is_caught_by_the_signed_head() -> None:
    # given entry 5's raw changed together with its leaf hash (the encoding is public)
    segment = _fresh_store(parsed(12))
    head_sign(now=DAY1 + timedelta(minutes=1))
    _sql("UPDATE connlogs_entry SET raw = 'forged' WHERE seq = 5")
    entry = Entry.objects.get(seq=5)
    from garde.connlogs.encoding import entry_bytes

    fields = ("seq", "segment_day", "index", "ts", "service", "event", "account", "ip", "port")
    leaf = sha256(
        b"\x00" + entry_bytes(**{f: getattr(entry, f) for f in (*fields, "session", "raw")})
    ).digest()
    _sql("UPDATE connlogs_entry SET leaf_hash = %s WHERE seq = 5", [leaf.hex()])
    # when
    result = _native_check(segment)
    report = verify()
    # then every row matches its own leaf, but the tree is not the signed one
    assert result.first_bad is None
    assert result.roots[12].hex() != SignedHead.objects.get(segment_day=D1).root
    assert [(p.seq, p.message[:40]) for p in report.problems] == [
        (1, "tree of the first 12 entries does not ma"),
        (None, "segment root does not match its entries"),
    ]


# ---------------------------------------------------------------- the extension on odd input

CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=6),
    st.binary(max_size=6),
    st.floats(allow_nan=False),
)
ODD_ROW = st.tuples(
    st.sampled_from(["2026-03-01 10:00:00", "1969-12-31 23:59:59.000001", "2026-02-29 10:00:00"])
    | st.text(max_size=27)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(min_size=1, max_size=5) | CELL,  # service
    st.text(max_size=5) | CELL,  # event
    CELL,  # account
    CELL,  # ip
    st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | CELL,  # port
    CELL,  # session
    st.text(max_size=30) | CELL,  # raw
)


@native
@settings(max_examples=150, deadline=None)
@given(rows=st.lists(ODD_ROW, min_size=1, max_size=6))
def test_property_native_sqlite_accepts_exactly_what_the_python_fast_path_accepts(
    rows: list[tuple[object, ...]],
) -> None:
    from garde.connlogs import _native
    from garde.connlogs.verify_fast import sqlite_leaves

    # given rows with values of any type in every column, each with the leaf the Python fast
    # path computes for it (when it accepts the row)
    day = "2026-03-01"
    with tempfile.TemporaryDirectory() as work:
        path = f"{work}/c.sqlite3"
        db = sqlite3.connect(path)
        db.execute(
            'CREATE TABLE connlogs_entry (seq integer PRIMARY KEY, segment_day date, "index" '
            "bigint, ts datetime, service varchar, event varchar, account varchar, ip varchar, "
            "port integer, session varchar, raw text, leaf_hash varchar)"
        )
        expected: list[bytes] | None = []
        for seq, values in enumerate(rows, start=1):
            db.execute(
                "INSERT INTO connlogs_entry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
                (seq, day, seq - 1, *values),
            )
            (row,) = db.execute(
                "SELECT seq, \"index\", ts || '', service, event, account, ip, port, session, "
                "raw, leaf_hash FROM connlogs_entry WHERE seq = ?",
                (seq,),
            )
            try:
                leaves = sqlite_leaves([row], day)
            except (ValueError, OverflowError):
                leaves = None
            if leaves is None:
                expected = None
                continue
            db.execute(
                "UPDATE connlogs_entry SET leaf_hash = ? WHERE seq = ?", (leaves[0].hex(), seq)
            )
            if expected is not None:
                expected.extend(leaves)
        db.commit()
        db.close()
        # when
        bad, count, _, snapshots = _native.verify_sqlite(
            path, day, 1, 1, len(rows), list(range(1, len(rows) + 1))
        )
    # then it vouches for all rows exactly when Python does, with the same leaves
    if expected is None:
        assert bad is not None
    else:
        assert (bad, count) == (None, len(rows))
        builder = TreeBuilder()
        for leaf, snapshot in zip(expected, snapshots, strict=True):
            builder.append(leaf)
            assert snapshot == b"".join(bytes.fromhex(h) for h in builder.state())


def _copy_stream(rows: list[tuple[object, ...]]) -> bytes:
    """Binary COPY output of the entry columns (as PostgreSQL writes it)."""
    out = [b"PGCOPY\n\xff\r\n\x00", struct.pack("!ii", 0, 0)]
    for row in rows:
        out.append(struct.pack("!h", len(row)))
        for value in row:
            if value is None:
                out.append(struct.pack("!i", -1))
            else:
                data = value if isinstance(value, bytes) else str(value).encode()
                out.append(struct.pack("!i", len(data)) + data)
    out.append(struct.pack("!h", -1))
    return b"".join(out)


def _copy_row(seq: int, ts_us: int, raw: str) -> tuple[object, ...]:
    from garde.connlogs.encoding import entry_text

    text = entry_text(seq, "2026-03-01", seq - 1, ts_us, "sshd", "é", None, "::1", 22, None, raw)
    return (
        struct.pack("!q", seq),
        struct.pack("!q", seq - 1),
        struct.pack("!q", ts_us - 946_684_800_000_000),
        "sshd",
        "é",
        None,
        "::1",
        struct.pack("!i", 22),
        None,
        raw,
        sha256(b"\x00" + text.encode()).hexdigest(),
    )


@native
@settings(max_examples=100, deadline=None)
@given(
    raws=st.lists(st.text(max_size=40), min_size=1, max_size=5),
    ts_us=st.integers(min_value=-(2**60), max_value=2**60),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=8),
    garbage=st.binary(max_size=40),
    garbage_at=st.integers(min_value=0, max_value=2000),
)
def test_property_copy_parser_is_split_proof_and_survives_garbage(
    raws: list[str], ts_us: int, cuts: list[int], garbage: bytes, garbage_at: int
) -> None:
    from garde.connlogs import _native

    # given a binary COPY stream of valid rows, fed in arbitrary blocks
    stream = _copy_stream([_copy_row(seq, ts_us, raw) for seq, raw in enumerate(raws, start=1)])
    marks = list(range(1, len(raws) + 1))
    whole = _native.CopyCheck("2026-03-01", 1, 1, len(raws), marks)
    whole.feed(stream)
    split = _native.CopyCheck("2026-03-01", 1, 1, len(raws), marks)
    bounds = sorted({0, len(stream), *(min(c, len(stream)) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        split.feed(memoryview(stream)[start:end])
    # when / then every split gives the answer of the whole, which vouches for every row
    assert split.finish() == whole.finish()
    assert whole.finish()[:2] == (None, len(raws))
    # and a stream with garbage spliced in is refused or rejected, never crashes
    at = min(garbage_at, len(stream))
    broken = _native.CopyCheck("2026-03-01", 1, 1, len(raws), marks)
    broken.feed(stream[:at] + garbage + stream[at:])
    try:
        result = broken.finish()
    except ValueError:
        return
    assert result[0] is not None or garbage == b""
