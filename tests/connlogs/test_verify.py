from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garde.connlogs.heads import head_sign
from garde.connlogs.ingest import ingest_parsed
from garde.connlogs.merkle import consistency_verify
from garde.connlogs.models import Entry, Segment, SignedHead
from garde.connlogs.verify import (
    consistency_proof_between,
    inclusion_proof_check,
    inclusion_proof_for,
    verify,
)
from tests.connlogs.conftest import DAY1, parsed

DBS = ["default", "connlogs"]
D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connections["connlogs"].cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.mark.django_db(databases=DBS)
def test_untouched_store_verifies(three_days: None) -> None:
    # given three segments and a head of the open one
    head_sign(now=DAY1 + timedelta(days=2))
    # when
    report = verify()
    # then
    assert report.problems == []
    assert (report.ok, report.segments, report.entries_checked) == (True, 3, 15)


@pytest.mark.django_db(databases=DBS)
def test_an_edited_field_is_named_by_segment_and_entry(three_days: None) -> None:
    # given entry 8 (second of day 2) has its account changed
    _sql("UPDATE connlogs_entry SET account = 'mallory' WHERE seq = 7")
    # when
    report = verify()
    # then the entry is named first; the tree of day 2 fails at its heads too
    assert [(p.segment_day, p.seq) for p in report.problems] == [(D2, 7), (D2, 6), (D2, None)]
    assert report.problems[0].message == "content does not match its leaf hash"


@pytest.mark.django_db(databases=DBS)
def test_an_edit_with_its_leaf_hash_recomputed_fails_at_the_signed_head(three_days: None) -> None:
    # given entry 7's account changed and its leaf hash recomputed (the encoding is public)
    entry = Entry.objects.get(seq=7)
    from garde.connlogs.encoding import entry_bytes
    from garde.connlogs.merkle import leaf_hash

    entry.account = "mallory"
    fields = {
        f: getattr(entry, f)
        for f in (
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
        )
    }
    entry.leaf_hash = leaf_hash(entry_bytes(**fields)).hex()
    entry.save()
    # when
    report = verify()
    # then the final head of day 2 (7 entries, from seq 6) no longer matches
    assert [(p.segment_day, p.seq) for p in report.problems][:1] == [(D2, 6)]


@pytest.mark.django_db(databases=DBS)
def test_a_deleted_entry_is_named(three_days: None) -> None:
    _sql("DELETE FROM connlogs_entry WHERE seq = 9")
    report = verify()
    assert next((p.segment_day, p.seq) for p in report.problems) == (D2, 9)
    assert report.problems[0].message == "entry 9 is missing (next row is 10)"


@pytest.mark.django_db(databases=DBS)
def test_an_entry_inserted_at_the_end_of_a_segment_is_named(three_days: None) -> None:
    # given a row added after the last entry of day 1 (seq 5) under a new number
    _sql(
        'INSERT INTO connlogs_entry (seq, segment_day, "index", ts, service, event, raw, '
        "leaf_hash) SELECT 1000, segment_day, 5, ts, service, event, raw, leaf_hash "
        "FROM connlogs_entry WHERE seq = 5"
    )
    report = verify()
    assert (report.problems[0].segment_day, report.problems[0].seq) == (D1, 6)


@pytest.mark.django_db(databases=DBS)
def test_two_swapped_entries_are_named_at_the_first(three_days: None) -> None:
    # given entries 2 and 4 swap their contents (every column but seq and index)
    a, b = Entry.objects.get(seq=2), Entry.objects.get(seq=4)
    for field in ("ts", "account", "ip", "port", "session", "raw", "leaf_hash"):
        x, y = getattr(a, field), getattr(b, field)
        setattr(a, field, y)
        setattr(b, field, x)
    a.save()
    b.save()
    report = verify()
    assert next((p.segment_day, p.seq) for p in report.problems) == (D1, 2)


@pytest.mark.django_db(databases=DBS)
def test_an_edited_head_is_named(three_days: None) -> None:
    head = SignedHead.objects.get(segment_day=D1, final=True)
    head.note = head.note.replace("garde-segment", "garde-segmenT")
    head.save()
    report = verify()
    assert report.problems[0].segment_day == D1
    assert report.problems[0].seq is None
    assert "signed head of size 5" in report.problems[0].message


@pytest.mark.django_db(databases=DBS)
def test_a_removed_segment_is_reported_missing(three_days: None) -> None:
    # given day 2 removed entirely: rows, segment, heads
    _sql("DELETE FROM connlogs_entry WHERE segment_day = %s", [D2])
    Segment.objects.filter(day=D2).delete()
    SignedHead.objects.filter(segment_day=D2).delete()
    report = verify()
    messages = [str(p) for p in report.problems]
    assert any("sequence gap" in m and "2026-03-03" in m for m in messages)


@pytest.mark.django_db(databases=DBS)
def test_verify_range_limits_the_segments(three_days: None) -> None:
    report = verify(start=D2, end=D2)
    assert (report.ok, report.segments, report.entries_checked) == (True, 1, 7)


@pytest.mark.django_db(databases=DBS)
def test_inclusion_and_consistency_proofs_verify(three_days: None) -> None:
    # given day 3 with a head at 3 entries, then 2 more and a second head
    old = head_sign(now=DAY1 + timedelta(days=2))
    ingest_parsed(parsed(2, account="bob"), source="t", now=DAY1 + timedelta(days=2))
    new = head_sign(now=DAY1 + timedelta(days=2, minutes=1))
    # when
    proofs = [inclusion_proof_for(seq) for seq in range(1, 18)]
    consistency = consistency_proof_between(old.note, new.note)
    # then
    assert all(inclusion_proof_check(p) for p in proofs)
    assert (proofs[16]["segment"], proofs[16]["index"], proofs[16]["size"]) == ("2026-03-03", 4, 5)
    assert consistency_verify(
        old_size=3,
        new_size=5,
        old_root=bytes.fromhex(consistency["old_root"]),
        new_root=bytes.fromhex(consistency["new_root"]),
        proof=[bytes.fromhex(n) for n in consistency["proof"]],
    )


CHANGES = st.sampled_from(["edit", "delete", "insert", "swap", "head"])


@pytest.mark.django_db(databases=DBS)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    sizes=st.lists(st.integers(min_value=2, max_value=9), min_size=1, max_size=3),
    change=st.one_of(st.none(), CHANGES),
    pick=st.integers(min_value=0, max_value=10_000),
)
def test_property_any_single_change_fails_and_names_the_place(
    sizes: list[int], change: str | None, pick: int
) -> None:
    # given random segments (a fresh store for each example)
    _sql("DELETE FROM connlogs_entry")
    Segment.objects.all().delete()
    SignedHead.objects.all().delete()
    for day, size in enumerate(sizes):
        now = DAY1 + timedelta(days=day)
        ingest_parsed(parsed(size, start=now, account=f"u{pick}-"), source="t", now=now)
    head_sign(now=DAY1 + timedelta(days=len(sizes)))
    total = sum(sizes)
    seq = 1 + pick % total
    day_of = Entry.objects.get(seq=seq).segment_day
    # when one change is made
    if change == "edit":
        _sql("UPDATE connlogs_entry SET ip = '203.0.113.9' WHERE seq = %s", [seq])
    elif change == "delete":
        _sql("DELETE FROM connlogs_entry WHERE seq = %s", [seq])
    elif change == "insert":
        # every later row moves up one number (and one place in its segment) to make room
        _sql("UPDATE connlogs_entry SET seq = seq + 100000 WHERE seq >= %s", [seq])
        _sql(
            'UPDATE connlogs_entry SET "index" = "index" + 1 '
            "WHERE seq > 100000 AND segment_day = %s",
            [day_of],
        )
        _sql(
            'INSERT INTO connlogs_entry (seq, segment_day, "index", ts, service, event, raw, '
            "leaf_hash) SELECT %s, segment_day, \"index\" - 1, ts, service, event, 'x', leaf_hash "
            "FROM connlogs_entry WHERE seq = %s",
            [seq, seq + 100000],
        )
        _sql("UPDATE connlogs_entry SET seq = seq - 100000 + 1 WHERE seq > 100000")
    elif change == "swap":
        other = (
            seq + 1 if Entry.objects.filter(seq=seq + 1, segment_day=day_of).exists() else seq - 1
        )
        a, b = Entry.objects.get(seq=seq), Entry.objects.get(seq=other)
        for field in ("ts", "account", "ip", "port", "session", "raw", "leaf_hash"):
            x, y = getattr(a, field), getattr(b, field)
            setattr(a, field, y)
            setattr(b, field, x)
        a.save()
        b.save()
        seq = min(seq, other)
    elif change == "head":
        head = SignedHead.objects.filter(segment_day=day_of).order_by("-size").first()
        assert head is not None
        head.root = hashlib.sha256(b"forged").hexdigest()
        head.save()
    report = verify()
    # then
    if change is None:
        assert report.ok, report.problems
        return
    assert not report.ok
    first = report.problems[0]
    assert first.segment_day == day_of
    if change != "head":
        assert first.seq == seq
