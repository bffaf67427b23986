"""The fast leaf check of ``verify`` (garde.connlogs.verify_fast) against the reference encoding.

Runs on the configured connection-log database: SQLite by default, PostgreSQL with
GARDE_CONNLOGS_DATABASE_URL; the database-specific tests skip on the other one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from hashlib import sha256

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garde.connlogs import verify_fast
from garde.connlogs.encoding import entry_bytes, entry_text, ts_micros
from garde.connlogs.heads import head_sign
from garde.connlogs.ingest import ingest_parsed
from garde.connlogs.models import Entry, Segment, SignedHead
from garde.connlogs.parsers.base import ParsedLine
from garde.connlogs.verify import verify
from tests.connlogs.conftest import DAY1, parsed

DBS = ["default", "connlogs"]
D1, D2 = date(2026, 3, 1), date(2026, 3, 2)

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=12,
)
LINES = st.lists(
    st.builds(
        ParsedLine,
        ts=st.datetimes(
            min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis wants naive bounds
            max_value=datetime(9999, 12, 30),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        service=TEXT.filter(bool),
        event=TEXT.filter(bool),
        account=st.none() | TEXT,
        ip=st.none() | TEXT,
        port=st.none() | st.integers(min_value=0, max_value=65535),
        session=st.none() | TEXT,
        raw=TEXT,
    ),
    min_size=1,
    max_size=8,
)
FIELDS = ("seq", "segment_day", "index", "ts", "service", "event", "account", "ip", "port")


def _vendor() -> str:
    return connections["connlogs"].vendor


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connections["connlogs"].cursor() as cursor:
        cursor.execute(statement, params or [])


def _reference_leaves(day: date) -> list[bytes]:
    """sha256(0x00 || entry_bytes) of the stored rows of ``day``, read through the ORM."""
    return [
        sha256(
            b"\x00"
            + entry_bytes(
                **{f: getattr(e, f) for f in (*FIELDS, "session", "raw")},
            )
        ).digest()
        for e in Entry.objects.filter(segment_day=day).order_by("seq")
    ]


def _fresh_store(lines: list[ParsedLine]) -> Segment:
    _sql("DELETE FROM connlogs_entry")
    Segment.objects.all().delete()
    SignedHead.objects.all().delete()
    ingest_parsed(lines, source="t", now=DAY1)
    return Segment.objects.get(day=D1)


def _check(segment: Segment, workers: int = 1) -> tuple[list[bytes], object]:
    return verify_fast.segment_leaves_check(
        day=segment.day,
        first_seq=segment.first_seq or 1,
        last_seq=segment.last_seq,
        size=segment.size,
        vendor=_vendor(),
        workers=workers,
    )


@pytest.mark.django_db(databases=DBS)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=LINES)
def test_property_fast_leaves_equal_the_reference_encoding(lines: list[ParsedLine]) -> None:
    # given random rows: non-ASCII and astral text, empty strings, nulls, ports, any year
    segment = _fresh_store(lines)
    stored = [
        bytes.fromhex(h) for h in Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)
    ]
    # when
    leaves, first = _check(segment)
    # then the fast path encodes every row as entry_text does and finds nothing wrong
    assert leaves == _reference_leaves(D1) == stored
    assert first is None


@pytest.mark.django_db(databases=DBS)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=LINES)
def test_property_postgresql_builds_entry_text_byte_for_byte(lines: list[ParsedLine]) -> None:
    if _vendor() != "postgresql":
        pytest.skip("the SQL encoding is PostgreSQL's")
    # given random rows
    _fresh_store(lines)
    # when PostgreSQL encodes and hashes them
    with connections["connlogs"].cursor() as cursor:
        cursor.execute(
            f"SELECT seq, {verify_fast.PG_ENTRY_TEXT}, {verify_fast.PG_LEAF} "  # noqa: S608
            f"FROM {verify_fast.pg_rows('TRUE')} ORDER BY seq"
        )
        rows = cursor.fetchall()
    # then text and leaf equal Python's, row for row
    expected = [
        entry_text(
            e.seq,
            e.segment_day.isoformat(),
            e.index,
            ts_micros(e.ts),
            e.service,
            e.event,
            e.account,
            e.ip,
            e.port,
            e.session,
            e.raw,
        )
        for e in Entry.objects.order_by("seq")
    ]
    assert [text for _, text, _ in rows] == expected
    assert [bytes(leaf) for _, _, leaf in rows] == [
        sha256(b"\x00" + text.encode()).digest() for text in expected
    ]


@pytest.mark.parametrize(
    "ts",
    [
        "2026-02-30 10:00:00",  # SQLite would normalise it to 2 March
        "2026-03-01 24:00:00",
        "2026-03-01T10:00:00",
        "2026-03-01 10:00:00.12345",
        "2026-03-01 10:00:00.١٢٣٤٥٦",  # non-ASCII digits
        "2026-03-01 10:00:00,123456",
        "2026-03-01",
    ],
)
def test_fast_sqlite_encoding_declines_a_time_not_written_by_ingest(ts: str) -> None:
    # given a row whose time text is not Django's 'YYYY-MM-DD HH:MM:SS[.ffffff]'
    row = (1, 0, ts, "sshd", "login", None, None, None, None, "{}", "")
    # when / then the reference path is taken
    assert verify_fast.sqlite_leaves([row], "2026-03-01") is None


@pytest.mark.parametrize(
    ("column", "value"),
    [(5, b"alice"), (2, None), (7, "22"), (3, 1), (9, b"{}")],
)
def test_fast_sqlite_encoding_declines_a_value_of_another_type(column: int, value: object) -> None:
    # given a row with one value of a type ingest never stores
    row = [1, 0, "2026-03-01 10:00:00", "sshd", "login", "alice", None, 22, None, "{}", ""]
    row[column] = value
    # when / then
    assert verify_fast.sqlite_leaves([tuple(row)], "2026-03-01") is None


def test_fast_sqlite_encoding_of_a_pre_1970_time_with_fraction() -> None:
    # given
    ts = datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    row = (3, 2, "1969-12-31 23:59:59.500000", "s", "e", "", "é", 0, None, "", "")
    # when
    leaves = verify_fast.sqlite_leaves([row], "2026-03-01")
    # then
    assert ts_micros(ts) == -500000
    assert leaves == [
        sha256(
            b"\x00"
            + entry_text(3, "2026-03-01", 2, -500000, "s", "e", "", "é", 0, None, "").encode()
        ).digest()
    ]


@pytest.mark.django_db(databases=DBS)
def test_a_blob_account_is_named_even_though_it_holds_the_same_bytes(three_days: None) -> None:
    if _vendor() != "sqlite":
        pytest.skip("only SQLite stores a BLOB in a text column")
    # given entry 7's account stored as a BLOB of the same UTF-8 bytes
    _sql("UPDATE connlogs_entry SET account = CAST(account AS BLOB) WHERE seq = 7")
    # when
    report = verify()
    # then
    assert (report.problems[0].segment_day, report.problems[0].seq) == (D2, 7)
    assert report.problems[0].message == "content does not match its leaf hash"


@pytest.mark.django_db(databases=DBS)
@pytest.mark.parametrize("chunk", [1, 2, 3, 50_000])
def test_problems_are_the_same_whatever_the_chunk_size(
    three_days: None, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given entry 9 deleted and entry 12's raw line edited (day 2 is seqs 6..12)
    _sql("DELETE FROM connlogs_entry WHERE seq = 9")
    _sql("UPDATE connlogs_entry SET raw = 'x' WHERE seq = 12")
    monkeypatch.setattr(verify_fast, "CHUNK", chunk)
    # when
    report = verify()
    # then the first entry problem of day 2 is the deletion, and day 1 and 3 are fine
    assert [(p.segment_day, p.seq, p.message) for p in report.problems][:1] == [
        (D2, 9, "entry 9 is missing (next row is 10)")
    ]
    assert {p.segment_day for p in report.problems} == {D2}


def _store_for_workers() -> Segment:
    ingest_parsed(parsed(40), source="t", now=DAY1)
    head_sign(now=DAY1 + timedelta(minutes=1))
    return Segment.objects.get(day=D1)


@pytest.mark.django_db(databases=DBS, transaction=True)
def test_parallel_workers_give_the_leaves_of_the_serial_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a committed segment of 40 entries, checked in parallel from 10 entries on
    segment = _store_for_workers()
    monkeypatch.setattr(verify_fast, "PARALLEL_MIN", 10)
    calls: list[int] = []
    original = verify_fast._parallel

    def spy(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        calls.append(0 if result is None else len(result))
        return result

    monkeypatch.setattr(verify_fast, "_parallel", spy)
    # when
    leaves, first = _check(segment, workers=3)
    # then
    assert calls == [40]
    assert (leaves, first) == (_reference_leaves(D1), None)
    assert verify().ok


@pytest.mark.django_db(databases=DBS, transaction=True)
@pytest.mark.parametrize(
    "change",
    [
        "UPDATE connlogs_entry SET ip = '203.0.113.9' WHERE seq = 23",
        "UPDATE connlogs_entry SET leaf_hash = upper(leaf_hash) WHERE seq = 23",
        'UPDATE connlogs_entry SET "index" = 99 WHERE seq = 23',
        "DELETE FROM connlogs_entry WHERE seq = 23",
        "UPDATE connlogs_entry SET seq = 1000 WHERE seq = 23",
    ],
)
def test_a_change_seen_by_a_worker_is_named_by_the_serial_check(
    change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a committed segment of 40 entries with one change in the second worker's range
    segment = _store_for_workers()
    _sql(change)
    monkeypatch.setattr(verify_fast, "PARALLEL_MIN", 10)
    # when
    path = verify_fast._sqlite_file() if _vendor() == "sqlite" else None
    parallel = verify_fast._parallel(D1, 1, 40, 2, path)
    _, first = _check(segment, workers=2)
    # then the workers refuse, and the serial check names entry 23
    assert parallel is None
    assert first is not None
    assert first.seq == 23
