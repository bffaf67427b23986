from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garde.connlogs.choices import SegmentStatus
from garde.connlogs.ingest import ingest_parsed
from garde.connlogs.models import Entry, PurgeRecord, Segment, SignedHead
from garde.connlogs.purge import connlogs_purge, one_year_after
from garde.connlogs.verify import verify
from garde.core.models import AuditEvent
from tests.connlogs.conftest import parsed

DBS = ["default", "connlogs"]


def test_one_year_after_is_the_same_date_next_year_and_29_february_becomes_1_march() -> None:
    assert one_year_after(datetime(2026, 3, 1, 10, tzinfo=UTC)) == datetime(
        2027, 3, 1, 10, tzinfo=UTC
    )
    assert one_year_after(datetime(2028, 2, 29, 8, tzinfo=UTC)) == datetime(
        2029, 3, 1, 8, tzinfo=UTC
    )


@pytest.mark.django_db(databases=DBS)
def test_purge_after_a_year_removes_exactly_the_expired_segments_and_verify_passes(
    three_days: None,
) -> None:
    # given day 1's youngest entry is at 2026-03-01 10:00:04; the clock is moved past a year
    now = datetime(2027, 3, 2, 9, tzinfo=UTC)
    # when
    outcomes = connlogs_purge(now=now)
    # then day 1 (and only day 1) is gone, with a signed record
    assert [(o.day, o.entries) for o in outcomes] == [(date(2026, 3, 1), 5)]
    assert Entry.objects.filter(segment_day=date(2026, 3, 1)).count() == 0
    assert Entry.objects.count() == 10
    segment = Segment.objects.get(day=date(2026, 3, 1))
    assert segment.status == SegmentStatus.PURGED
    record = PurgeRecord.objects.get()
    assert record.final_head == SignedHead.objects.get(segment_day=segment.day, final=True).note
    assert "garde-connlogs-purge v1" in record.note
    assert AuditEvent.objects.filter(action="connlogs.segment_purged").count() == 1
    report = verify()
    assert report.ok, report.problems
    assert report.purged == [date(2026, 3, 1)]


@pytest.mark.django_db(databases=DBS)
def test_purge_before_the_year_is_over_removes_nothing(three_days: None) -> None:
    # given a clock just before the youngest entry of day 1 is a year old
    now = datetime(2027, 3, 1, 10, 0, 4, tzinfo=UTC)
    # when
    outcomes = connlogs_purge(now=now)
    # then
    assert outcomes == []
    assert Entry.objects.count() == 15
    assert PurgeRecord.objects.count() == 0
    assert AuditEvent.objects.filter(action="connlogs.segment_purged").count() == 0


@pytest.mark.django_db(databases=DBS)
def test_a_purged_segment_without_its_record_is_reported(three_days: None) -> None:
    connlogs_purge(now=datetime(2027, 3, 5, tzinfo=UTC))
    PurgeRecord.objects.filter(segment_day=date(2026, 3, 1)).delete()
    report = verify()
    assert next((p.segment_day, p.message) for p in report.problems) == (
        date(2026, 3, 1),
        "segment marked purged without a purge record",
    )


@pytest.mark.django_db(databases=DBS)
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=3 * 366 * 86400), min_size=1, max_size=6),
    now_offset=st.integers(min_value=0, max_value=4 * 366 * 86400),
)
def test_property_purge_never_deletes_an_entry_younger_than_a_year(
    offsets: list[int], now_offset: int
) -> None:
    # given one segment per offset, each holding one entry at a random connection time
    Entry.objects.all().delete()
    Segment.objects.all().delete()
    SignedHead.objects.all().delete()
    PurgeRecord.objects.all().delete()
    base = datetime(2024, 1, 1, tzinfo=UTC)
    stamps = {}
    for day, offset in enumerate(offsets):
        ts = base + timedelta(seconds=offset)
        stamps[date(2020, 1, 1) + timedelta(days=day)] = ts
        ingest_parsed(
            parsed(1, start=ts),
            source="t",
            now=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=day),
        )
    now = base + timedelta(seconds=now_offset)
    # when
    connlogs_purge(now=now)
    # then purged exactly the segments whose entry is more than a year old
    for day, ts in stamps.items():
        purged = Segment.objects.get(day=day).status == SegmentStatus.PURGED
        assert purged == (one_year_after(ts) < now)
        if now - ts < timedelta(days=365):
            assert not purged
    assert verify().ok
