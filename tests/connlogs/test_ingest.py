from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connections, router

from garde.connlogs.choices import SegmentStatus
from garde.connlogs.encoding import entry_bytes
from garde.connlogs.errors import ConnlogsError
from garde.connlogs.heads import head_latest, heads_periodic
from garde.connlogs.ingest import ingest_lines, ingest_parsed
from garde.connlogs.merkle import leaf_hash, tree_root
from garde.connlogs.models import Entry, PurgeRecord, Segment, SignedHead
from tests.connlogs.conftest import DAY1, parsed

DBS = ["default", "connlogs"]


def test_router_keeps_connlogs_out_of_default_and_nothing_else_in_connlogs() -> None:
    # given every installed model
    from django.apps import apps

    # when / then
    for model in apps.get_models():
        is_connlogs = model._meta.app_label == "connlogs"
        assert router.db_for_write(model) == ("connlogs" if is_connlogs else "default")
        assert router.allow_migrate_model("default", model) is (not is_connlogs)
        assert router.allow_migrate_model("connlogs", model) is is_connlogs


@pytest.mark.django_db(databases=DBS)
def test_no_connlogs_table_in_the_main_database() -> None:
    # given / when
    tables = connections["default"].introspection.table_names()
    other = connections["connlogs"].introspection.table_names()
    # then
    assert [t for t in tables if t.startswith("connlogs_")] == []
    assert {"connlogs_entry", "connlogs_segment", "connlogs_signedhead"} <= set(other)


@pytest.mark.django_db(databases=DBS)
def test_ingest_parsed_appends_leaves_with_gapless_seqs_and_the_rfc9162_root() -> None:
    # given
    items = parsed(4)
    # when
    first = ingest_parsed(items[:3], source="t", now=DAY1)
    second = ingest_parsed(items[3:], source="t", now=DAY1)
    # then
    assert (first.first_seq, first.last_seq, first.accepted) == (1, 3, 3)
    assert (second.first_seq, second.last_seq, second.accepted) == (4, 4, 1)
    entries = list(Entry.objects.order_by("seq"))
    assert [(e.seq, e.index, e.segment_day) for e in entries] == [
        (1, 0, date(2026, 3, 1)),
        (2, 1, date(2026, 3, 1)),
        (3, 2, date(2026, 3, 1)),
        (4, 3, date(2026, 3, 1)),
    ]
    leaves = [
        leaf_hash(
            entry_bytes(
                seq=e.seq,
                segment_day=e.segment_day,
                index=e.index,
                ts=e.ts,
                service=e.service,
                event=e.event,
                account=e.account,
                ip=e.ip,
                port=e.port,
                session=e.session,
                raw=e.raw,
            )
        )
        for e in entries
    ]
    assert [e.leaf_hash for e in entries] == [leaf.hex() for leaf in leaves]
    assert entries[1].ts == items[1].ts
    assert entries[0].session == "sshd[0]"
    assert entries[1].session is None
    segment = Segment.objects.get()
    assert (segment.size, segment.first_seq, segment.last_seq) == (4, 1, 4)
    assert segment.root == tree_root(leaves).hex()
    assert segment.min_ts == items[0].ts
    assert segment.max_ts == items[3].ts


@pytest.mark.django_db(databases=DBS)
def test_a_new_day_closes_the_previous_segment_with_a_chained_final_head() -> None:
    # given a segment on day 1
    ingest_parsed(parsed(2), source="t", now=DAY1)
    # when a batch arrives on day 2
    batch = ingest_parsed(parsed(1), source="t", now=DAY1 + timedelta(days=1))
    # then day 1 is closed with its final head, and day 2 continues the sequence
    day1, day2 = Segment.objects.order_by("day")
    assert (day1.status, day2.status) == (SegmentStatus.CLOSED, SegmentStatus.OPEN)
    assert batch.first_seq == 3
    assert day2.first_seq == 3
    final = SignedHead.objects.get(final=True)
    assert (final.segment_day, final.size, final.root, final.previous) == (
        day1.day,
        2,
        day1.root,
        "",
    )
    assert "garde-final" in final.note
    assert "garde-segment 2026-03-01" in final.note
    # and a head of day 2 names day 1's final note
    head = heads_periodic(now=DAY1 + timedelta(days=1, minutes=1))[-1]
    assert head.previous == hashlib.sha256(final.note.encode()).hexdigest()
    assert head_latest() == head


@pytest.mark.django_db(databases=DBS)
def test_each_segment_is_its_own_c2sp_log_signed_under_one_key_name(settings: Any) -> None:
    # given two days of entries
    settings.GARDE_CONNLOGS_ORIGIN = "logs.example.net/connlogs"
    ingest_parsed(parsed(2), source="t", now=DAY1)
    ingest_parsed(parsed(1), source="t", now=DAY1 + timedelta(days=1))
    heads_periodic(now=DAY1 + timedelta(days=1, minutes=1))
    # then each day's checkpoints carry that day in their origin (a witness sees two logs whose
    # trees each only grow), and every signature line names the one key
    day1, day2 = (
        SignedHead.objects.filter(segment_day=d).order_by("-size").first()
        for d in (date(2026, 3, 1), date(2026, 3, 2))
    )
    assert day1 is not None
    assert day2 is not None
    assert day1.note.splitlines()[0] == "logs.example.net/connlogs/2026-03-01"
    assert day2.note.splitlines()[0] == "logs.example.net/connlogs/2026-03-02"
    signatures = [
        line for h in (day1, day2) for line in h.note.splitlines() if line[:1] == "\u2014"
    ]
    assert [line.split(" ")[1] for line in signatures] == ["logs.example.net/connlogs"] * 2


@pytest.mark.django_db(databases=DBS)
def test_heads_periodic_signs_only_when_the_segment_grew() -> None:
    # given
    ingest_parsed(parsed(2), source="t", now=DAY1)
    # when
    first = heads_periodic(now=DAY1)
    again = heads_periodic(now=DAY1)
    # then
    assert [h.size for h in first] == [2]
    assert again == []


@pytest.mark.django_db(databases=DBS)
def test_ingest_refuses_a_value_too_long_for_its_column_and_stores_nothing() -> None:
    # given
    items = parsed(2)
    bad = replace(items[1], account="x" * 256)
    # when
    with pytest.raises(ConnlogsError) as raised:
        ingest_parsed([items[0], bad], source="t", now=DAY1)
    # then
    assert raised.value.message == "t: item 2: account: longer than 255 characters"
    assert Entry.objects.count() == 0
    assert Segment.objects.count() == 0


@pytest.mark.django_db(databases=DBS)
def test_ingest_lines_reports_rejects_by_line_and_keeps_going() -> None:
    # given
    lines = [
        '{"ts": "2026-03-01T10:00:00Z", "service": "sshd", "event": "login", "ip": "192.0.2.1"}',
        "not json",
        "",
        '{"ts": "2026-03-01T10:00:01.5Z", "service": "web", "event": "logout", "x": 1}',
    ]
    steps = []
    # when
    report = ingest_lines(
        fmt="jsonl",
        lines=lines,
        source="f",
        batch_size=1,
        progress=steps.append,
        now=lambda: DAY1,
    )
    # then
    assert report.accepted == 2
    assert [line for line, _ in report.rejected] == [2]
    assert (report.first_seq, report.last_seq) == (1, 2)
    assert [s.line for s in steps][-1] == 4
    last = Entry.objects.get(seq=2)
    assert (last.service, last.event, last.account, last.raw) == ("web", "logout", None, lines[3])


@pytest.mark.django_db(databases=DBS)
def test_appending_to_a_closed_segment_is_refused() -> None:
    # given day 1 closed by day 2
    ingest_parsed(parsed(1), source="t", now=DAY1)
    ingest_parsed(parsed(1), source="t", now=DAY1 + timedelta(days=1))
    # when a batch claims day 1 again (clock gone back)
    with pytest.raises(ConnlogsError):
        ingest_parsed(parsed(1), source="t", now=DAY1)
    # then
    assert Entry.objects.count() == 2
    assert PurgeRecord.objects.count() == 0
