"""Signed tree heads of the connection-log segments: C2SP ``tlog-checkpoint`` signed notes.

A head's body is a checkpoint (origin ``<GARDE_CONNLOGS_ORIGIN>/<YYYY-MM-DD>``, tree size, base64
root) followed by these extension lines, in this order::

    garde-segment YYYY-MM-DD          the segment (UTC day of ingestion)
    garde-first-seq N                 global sequence number of leaf 0 ("-" while empty)
    garde-signed-at RFC3339           signing time, UTC, microseconds
    garde-previous HEX                SHA-256 of the previous segment's final note ("-": none)
    garde-final                       only on the head that closes the segment

Each segment is its own tree, so each is its own log for a witness: the C2SP spec forbids a log
to sign two checkpoints that are not consistent, and day 2's tree does not extend day 1's. The
segment's day is therefore part of the origin. The note is signed with Garde's one Ed25519 key
under one key name, ``GARDE_CONNLOGS_ORIGIN``, so verifiers are configured once. Every head of a
segment names the final note of the segment before it, so the final heads form a hash chain: a
removed, replaced or re-signed earlier segment breaks the next one's link.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from garde.connlogs.checkpoint import Checkpoint, checkpoint_body, note_sign
from garde.connlogs.choices import SegmentStatus
from garde.connlogs.errors import ConnlogsNotFoundError
from garde.connlogs.models import Segment, SignedHead
from garde.core.signing import signing_key

DB = "connlogs"


def origin() -> str:
    """The key name every head is signed under (the log's name)."""
    return str(settings.GARDE_CONNLOGS_ORIGIN)


def segment_origin(day: date) -> str:
    """The checkpoint origin of one segment's tree."""
    return f"{origin()}/{day.isoformat()}"


def note_hash(note: str) -> str:
    """Hex SHA-256 of a signed note's UTF-8 bytes: the chain link to a final head."""
    return hashlib.sha256(note.encode("utf-8")).hexdigest()


def previous_final_note(day: date) -> str | None:
    """The final note of the latest segment before ``day`` (kept even once purged)."""
    head = (
        SignedHead.objects.using(DB)
        .filter(segment_day__lt=day, final=True)
        .order_by("-segment_day")
        .first()
    )
    return head.note if head is not None else None


def head_extensions(
    *, day: date, first_seq: int | None, signed_at: datetime, previous: str, final: bool
) -> tuple[str, ...]:
    lines = [
        f"garde-segment {day.isoformat()}",
        f"garde-first-seq {first_seq if first_seq is not None else '-'}",
        f"garde-signed-at {signed_at.astimezone(UTC).isoformat(timespec='microseconds')}",
        f"garde-previous {previous or '-'}",
    ]
    if final:
        lines.append("garde-final")
    return tuple(lines)


def segment_checkpoint(
    segment: Segment, *, signed_at: datetime, previous: str, final: bool, size: int | None = None
) -> Checkpoint:
    return Checkpoint(
        origin=segment_origin(segment.day),
        size=segment.size if size is None else size,
        root=bytes.fromhex(segment.root) if segment.root else hashlib.sha256(b"").digest(),
        extensions=head_extensions(
            day=segment.day,
            first_seq=segment.first_seq,
            signed_at=signed_at,
            previous=previous,
            final=final,
        ),
    )


def _open_segment_latest() -> Segment:
    segment = Segment.objects.using(DB).order_by("-day").first()
    if segment is None:
        raise ConnlogsNotFoundError("no connection-log segment yet")
    return segment


@transaction.atomic(using=DB)
def head_sign(
    *, day: date | None = None, final: bool = False, now: datetime | None = None
) -> SignedHead:
    """Sign and store a checkpoint of the segment ``day`` (default: the latest segment) at its
    current size. ``final`` closes the segment: its status becomes closed and no entry may be
    appended to it afterwards. Signing the final head of a closed segment again returns the
    existing one."""
    signed_at = now or datetime.now(tz=UTC)
    if day is None:
        segment = _open_segment_latest()
        segment = Segment.objects.using(DB).select_for_update().get(pk=segment.pk)
    else:
        found = Segment.objects.using(DB).select_for_update().filter(day=day).first()
        if found is None:
            raise ConnlogsNotFoundError(f"no connection-log segment for {day.isoformat()}")
        segment = found
    if segment.status != SegmentStatus.OPEN:
        existing = SignedHead.objects.using(DB).filter(segment_day=segment.day, final=True).first()
        if existing is not None and (final or segment.status == SegmentStatus.PURGED):
            return existing
    previous_note = previous_final_note(segment.day)
    previous = note_hash(previous_note) if previous_note is not None else ""
    body = checkpoint_body(
        segment_checkpoint(segment, signed_at=signed_at, previous=previous, final=final)
    )
    note = note_sign(body, name=origin(), key=signing_key())
    head = SignedHead.objects.using(DB).create(
        segment_day=segment.day,
        size=segment.size,
        root=segment.root or hashlib.sha256(b"").hexdigest(),
        signed_at=signed_at,
        note=note,
        final=final,
        previous=previous,
    )
    if final and segment.status == SegmentStatus.OPEN:
        segment.status = SegmentStatus.CLOSED
        segment.closed_at = signed_at
        segment.save(using=DB, update_fields=["status", "closed_at"])
    return head


def head_latest(day: date | None = None) -> SignedHead | None:
    """The latest signed head (of segment ``day`` if given): largest day, then largest size."""
    heads = SignedHead.objects.using(DB).all()
    if day is not None:
        heads = heads.filter(segment_day=day)
    return heads.order_by("-segment_day", "-size", "-id").first()


def segments_close_before(day: date, *, now: datetime | None = None) -> list[SignedHead]:
    """Close every open segment older than ``day`` with its final head, oldest first (so each
    final head chains to the one just signed). Runs in the caller's transaction."""
    heads = []
    for segment_day in (
        Segment.objects.using(DB)
        .filter(status=SegmentStatus.OPEN, day__lt=day)
        .order_by("day")
        .values_list("day", flat=True)
    ):
        heads.append(head_sign(day=segment_day, final=True, now=now))
    return heads


@transaction.atomic(using=DB)
def heads_periodic(*, now: datetime | None = None) -> list[SignedHead]:
    """The periodic job: close the segments of past days, then sign a head of today's open
    segment if it grew since its last signed head. Idempotent."""
    now = now or datetime.now(tz=UTC)
    heads = segments_close_before(now.astimezone(UTC).date(), now=now)
    segment = Segment.objects.using(DB).filter(status=SegmentStatus.OPEN).order_by("-day").first()
    if segment is not None:
        signed = (
            SignedHead.objects.using(DB)
            .filter(segment_day=segment.day)
            .aggregate(size=Max("size"))["size"]
        )
        if signed is None or signed < segment.size:
            heads.append(head_sign(day=segment.day, now=now))
    return heads
