"""One-year retention of the connection logs: whole segments go, a signed purge record stays.

The rule (UTC, calendar year): an entry of connection time ``ts`` expires at
``one_year_after(ts)``, the same month, day and time one year later; an entry of 29 February
expires on 1 March of the next year, the later of the two candidates, so nothing is ever deleted
early. A segment is purged only when ``one_year_after(max_ts) < now`` for its *youngest* entry,
so no entry younger than a year is ever deleted. Segments are deleted whole (on PostgreSQL by
dropping the day's partition) and leave:

- their ``SignedHead`` rows (the final head above all), untouched;
- a ``PurgeRecord`` with the segment's size, root, sequence and time ranges, the final head, and
  a signed note (Garde's key, key name = origin) whose body is::

      garde-connlogs-purge v1
      origin <origin>
      segment YYYY-MM-DD
      size N
      root <base64>
      seq FIRST LAST
      ts MIN_RFC3339 MAX_RFC3339
      final-head <hex SHA-256 of the final head's note>
      purged-at <RFC3339>

``verify`` then checks the record and its final head and reports the segment as purged, while a
segment gone without such a record is reported as missing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connections, transaction

from garde.connlogs.checkpoint import NoteError, note_sign, note_verify
from garde.connlogs.choices import SegmentStatus
from garde.connlogs.heads import DB, head_sign, note_hash, origin
from garde.connlogs.models import PurgeRecord, Segment, SignedHead
from garde.core.services import audit_record
from garde.core.signing import signing_key


def one_year_after(ts: datetime) -> datetime:
    """``ts`` one calendar year later, in UTC; 29 February becomes 1 March."""
    ts = ts.astimezone(UTC)
    try:
        return ts.replace(year=ts.year + 1)
    except ValueError:  # 29 February, and the next year is not a leap year
        return ts.replace(year=ts.year + 1, month=3, day=1)


def segment_expired(segment: Segment, now: datetime) -> bool:
    """Whether every entry of ``segment`` is more than one year old at ``now``."""
    if segment.status == SegmentStatus.PURGED or segment.max_ts is None:
        return False
    return one_year_after(segment.max_ts) < now


def _ts(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else "-"


def purge_body(*, segment: Segment, final_note: str, purged_at: datetime, origin_name: str) -> str:
    root = bytes.fromhex(segment.root) if segment.root else b""
    return (
        "garde-connlogs-purge v1\n"
        f"origin {origin_name}\n"
        f"segment {segment.day.isoformat()}\n"
        f"size {segment.size}\n"
        f"root {base64.b64encode(root).decode('ascii')}\n"
        f"seq {segment.first_seq if segment.first_seq is not None else '-'} "
        f"{segment.last_seq if segment.last_seq is not None else '-'}\n"
        f"ts {_ts(segment.min_ts)} {_ts(segment.max_ts)}\n"
        f"final-head {note_hash(final_note)}\n"
        f"purged-at {_ts(purged_at)}\n"
    )


def purge_record_check(
    record: PurgeRecord, *, segment: Segment, final: SignedHead | None, key: Any, name: str
) -> str | None:
    """Why a purge record does not attest the purge of ``segment``, or None."""
    try:
        body = note_verify(record.note, name=name, public_key=key)
    except NoteError as error:
        return f"bad signature ({error})"
    if final is None or final.note != record.final_head:
        return "the final signed head it keeps is missing or differs"
    expected = purge_body(
        segment=segment, final_note=record.final_head, purged_at=record.purged_at, origin_name=name
    )
    if body != expected:
        return "its signed statement does not match the segment"
    return None


def _entries_drop(day: date) -> None:
    connection = connections[DB]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred import: ingest imports heads, which purge also imports.
            from garde.connlogs.ingest import partition_name

            cursor.execute(f"DROP TABLE IF EXISTS {partition_name(day)}")
        cursor.execute("DELETE FROM connlogs_entry WHERE segment_day = %s", [day])


@dataclass(frozen=True)
class PurgeOutcome:
    day: date
    entries: int


@transaction.atomic(using=DB)
def segment_purge(*, day: date, now: datetime) -> PurgeOutcome | None:
    """Purge one segment if it is expired at ``now`` (re-checked under lock); None otherwise."""
    segment = Segment.objects.using(DB).select_for_update().filter(day=day).first()
    if segment is None or not segment_expired(segment, now):
        return None
    if segment.status == SegmentStatus.OPEN:
        head_sign(day=day, final=True, now=now)
        segment.refresh_from_db(using=DB)
    final = SignedHead.objects.using(DB).get(segment_day=day, final=True)
    name = origin()
    body = purge_body(segment=segment, final_note=final.note, purged_at=now, origin_name=name)
    PurgeRecord.objects.using(DB).create(
        segment_day=day,
        size=segment.size,
        root=segment.root,
        first_seq=segment.first_seq,
        last_seq=segment.last_seq,
        min_ts=segment.min_ts,
        max_ts=segment.max_ts,
        final_head=final.note,
        purged_at=now,
        note=note_sign(body, name=name, key=signing_key()),
    )
    _entries_drop(day)
    segment.status = SegmentStatus.PURGED
    segment.purged_at = now
    segment.tree_state = []
    segment.save(using=DB, update_fields=["status", "purged_at", "tree_state"])
    audit_record(
        action="connlogs.segment_purged",
        details={"segment": day.isoformat(), "entries": segment.size, "purged_at": _ts(now)},
    )
    return PurgeOutcome(day=day, entries=segment.size)


def connlogs_purge(now: datetime | None = None) -> list[PurgeOutcome]:
    """Purge every expired segment (see the module docstring), oldest first; one transaction
    per segment. Returns what was purged."""
    now = now or datetime.now(tz=UTC)
    days = [
        segment.day
        for segment in Segment.objects.using(DB)
        .exclude(status=SegmentStatus.PURGED)
        .filter(max_ts__isnull=False)
        .order_by("day")
        if segment_expired(segment, now)
    ]
    outcomes = []
    for day in days:
        with transaction.atomic():  # the audit event in the main database
            outcome = segment_purge(day=day, now=now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes
