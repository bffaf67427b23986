"""Verification of the connection-log store, and the proofs it hands out.

``verify`` trusts nothing stored but the signatures: for every segment it re-encodes each row
from its columns and recomputes its leaf (a changed field fails at its entry), checks that the
rows are exactly ``first_seq..last_seq`` with ``index`` 0.. in order (a deleted, inserted or
reordered row fails at the first wrong sequence number), rebuilds the tree and compares its root
at each signed head's size with that head (so a head of size k checks the first k leaves), checks
every head's signature and body, the chain of final heads across segments, and the sequence
continuity across segments and purge records. A purged segment (signed purge record present) is
reported as purged; a segment that is gone without a purge record as missing.

Speed: the leaves are recomputed by ``garde.connlogs.verify_fast`` (PostgreSQL encodes and hashes
in SQL; on SQLite Python does, in worker processes for a large segment), which falls back to the
reference encoding row by row wherever anything is off, so the problems named are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connections

from garde.connlogs.checkpoint import CheckpointError, NoteError, checkpoint_parse, note_verify
from garde.connlogs.choices import SegmentStatus
from garde.connlogs.errors import ConnlogsNotFoundError, ConnlogsProofError
from garde.connlogs.heads import DB, head_latest, note_hash, origin
from garde.connlogs.merkle import (
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    inclusion_verify,
)
from garde.connlogs.models import Entry, PurgeRecord, Segment, SignedHead
from garde.connlogs.purge import purge_record_check
from garde.connlogs.verify_fast import segment_leaves_check
from garde.connlogs.verify_native import tree_check
from garde.core.signing import public_key


@dataclass(frozen=True)
class Problem:
    """One failed check: the segment, the first entry concerned (None for a head or a
    segment-level problem) and what is wrong."""

    segment_day: date | None
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"segment {self.segment_day.isoformat()}" if self.segment_day else "store"
        if self.seq is not None:
            where += f", entry {self.seq}"
        return f"{where}: {self.message}"


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    entries_checked: int = 0
    segments: int = 0
    purged: list[date] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_entries(
    segment: Segment, vendor: str, report: VerifyReport
) -> tuple[list[bytes], Problem | None]:
    """Recomputed leaf hashes of the segment's rows, and the first entry-level problem."""
    leaves, first = segment_leaves_check(
        day=segment.day,
        first_seq=segment.first_seq or 1,
        last_seq=segment.last_seq,
        size=segment.size,
        vendor=vendor,
    )
    report.entries_checked += len(leaves)
    return leaves, None if first is None else Problem(segment.day, first.seq, first.message)


def _head_check(
    head: SignedHead, segment_day: date, expected_previous: str | None, key: Any, name: str
) -> str | None:
    """Why a signed head is not valid, or None."""
    try:
        body = note_verify(head.note, name=name, public_key=key)
        checkpoint = checkpoint_parse(body)
    except (NoteError, CheckpointError) as error:
        return f"signed head of size {head.size}: {error}"
    if checkpoint.origin != f"{name}/{segment_day.isoformat()}":
        return f"signed head of size {head.size}: origin {checkpoint.origin!r}"
    if checkpoint.size != head.size or checkpoint.root.hex() != head.root:
        return f"signed head of size {head.size}: stored size/root differ from the signed note"
    if f"garde-segment {segment_day.isoformat()}" not in checkpoint.extensions:
        return f"signed head of size {head.size}: signed for another segment"
    if ("garde-final" in checkpoint.extensions) != head.final:
        return f"signed head of size {head.size}: final flag differs from the signed note"
    if expected_previous is not None:
        link = f"garde-previous {expected_previous or '-'}"
        if link not in checkpoint.extensions or head.previous != expected_previous:
            return (
                f"signed head of size {head.size}: chain broken (does not name the previous "
                "segment's final head; a segment before it is missing or was changed)"
            )
    return None


def _in_range(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def verify(*, start: date | None = None, end: date | None = None) -> VerifyReport:
    """Check the segments whose day is in [start, end] (all by default); see the module
    docstring. Never changes anything."""
    report = VerifyReport()
    vendor = connections[DB].vendor
    key = public_key()
    name = origin()
    segments = list(Segment.objects.using(DB).order_by("day"))
    records = {r.segment_day: r for r in PurgeRecord.objects.using(DB).all()}
    heads_by_day: dict[date, list[SignedHead]] = {}
    for head in SignedHead.objects.using(DB).order_by("segment_day", "size", "id"):
        heads_by_day.setdefault(head.segment_day, []).append(head)
    known_days = {s.day for s in segments}
    for day in sorted(set(heads_by_day) | set(records)):
        if (
            day not in known_days
            and (start is None or day >= start)
            and (end is None or day <= end)
        ):
            report.problems.append(
                Problem(day, None, "segment is missing (signed heads exist, no segment)")
            )
    previous_final: str | None = None
    previous_last_seq = 0
    for segment in segments:
        in_range = (start is None or segment.day >= start) and (end is None or segment.day <= end)
        heads = heads_by_day.get(segment.day, [])
        final = next((h for h in heads if h.final), None)
        if in_range:
            report.segments += 1
            _segment_verify(
                segment,
                heads=heads,
                record=records.get(segment.day),
                expected_previous=previous_final if previous_final is not None else "",
                previous_last_seq=previous_last_seq,
                vendor=vendor,
                key=key,
                name=name,
                report=report,
            )
        previous_final = note_hash(final.note) if final is not None else previous_final
        if segment.last_seq is not None:
            previous_last_seq = segment.last_seq
    stray = _stray_days(vendor, known_days)
    for day in stray:
        if (start is None or day >= start) and (end is None or day <= end):
            report.problems.append(Problem(day, None, "entries exist for an unknown segment"))
    return report


def _stray_days(vendor: str, known: set[date]) -> list[date]:
    with connections[DB].cursor() as cursor:
        cursor.execute("SELECT DISTINCT segment_day FROM connlogs_entry")
        days = [
            d if isinstance(d, date) else date.fromisoformat(str(d)) for (d,) in cursor.fetchall()
        ]
    return sorted(d for d in days if d not in known)


def _segment_verify(
    segment: Segment,
    *,
    heads: list[SignedHead],
    record: PurgeRecord | None,
    expected_previous: str,
    previous_last_seq: int,
    vendor: str,
    key: Any,
    name: str,
    report: VerifyReport,
) -> None:
    day = segment.day
    problems = report.problems
    if segment.size and segment.first_seq != previous_last_seq + 1:
        problems.append(
            Problem(
                day,
                previous_last_seq + 1,
                f"sequence gap: segment starts at {segment.first_seq}, "
                f"previous ended at {previous_last_seq} (a segment is missing)",
            )
        )
    for head in heads:
        reason = _head_check(head, day, expected_previous, key, name)
        if reason is not None:
            problems.append(Problem(day, None, reason))
    final = next((h for h in heads if h.final), None)
    if segment.status != SegmentStatus.OPEN and final is None:
        problems.append(Problem(day, None, "closed segment has no final signed head"))
    if final is not None and (final.size != segment.size or final.root != segment.root):
        problems.append(Problem(day, None, "segment size/root differ from its final head"))
    if segment.status == SegmentStatus.PURGED:
        if record is None:
            problems.append(Problem(day, None, "segment marked purged without a purge record"))
            return
        reason = purge_record_check(record, segment=segment, final=final, key=key, name=name)
        if reason is not None:
            problems.append(Problem(day, None, f"purge record: {reason}"))
            return
        report.purged.append(day)
        return
    if record is not None:
        problems.append(Problem(day, None, "a purge record exists but the segment is not purged"))
    count, root_at = _entries_and_roots(segment, heads, previous_last_seq, vendor, report)
    for head in sorted(heads, key=lambda h: h.size):
        if head.size > count:
            problems.append(
                Problem(day, None, f"signed head of size {head.size}: entries are missing")
            )
            continue
        if root_at(head.size).hex() != head.root:
            problems.append(
                Problem(
                    day,
                    _first_seq_after(segment, heads, head),
                    f"tree of the first {head.size} entries does not match its signed head "
                    "(an entry was changed together with its leaf hash, between the entry "
                    "named and this head)",
                )
            )
            break
    if segment.root and count >= segment.size and root_at(segment.size).hex() != segment.root:
        problems.append(Problem(day, None, "segment root does not match its entries"))


class _LeafRoots:
    """Roots of the first n of ``leaves`` for growing n, from one incremental builder (a
    smaller n than asked before gives the root asked before, as the tree is never shrunk)."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.builder = TreeBuilder()
        self.done = 0

    def __call__(self, size: int) -> bytes:
        self.builder.extend(self.leaves[self.done : size])
        self.done = max(self.done, size)
        return self.builder.root()


def _entries_and_roots(
    segment: Segment,
    heads: list[SignedHead],
    previous_last_seq: int,
    vendor: str,
    report: VerifyReport,
) -> tuple[int, Callable[[int], bytes]]:
    """The number of the segment's rows that are leaves, and the tree root at a given size;
    the first entry-level problem goes into ``report``. The native path (verify_native) when
    it vouches for every row, else the Python one, which names the problem."""
    sizes = [h.size for h in heads if h.size <= segment.size] + [segment.size]
    native = tree_check(
        day=segment.day,
        first_seq=segment.first_seq or 1,
        last_seq=segment.last_seq,
        size=segment.size,
        vendor=vendor,
        sizes=sizes,
    )
    if native is not None and native.first_bad is None:
        report.entries_checked += segment.size
        return segment.size, native.roots.__getitem__
    day = segment.day
    leaves, first = _check_entries(segment, vendor, report)
    if first is not None:
        report.problems.append(first)
    if len(leaves) != segment.size and first is None:
        seq = (segment.first_seq or previous_last_seq + 1) + min(len(leaves), segment.size)
        what = "missing" if len(leaves) < segment.size else "not in the signed tree"
        report.problems.append(
            Problem(day, seq, f"entry {seq} is {what} (segment size {segment.size})")
        )
    return len(leaves), _LeafRoots(leaves)


def _first_seq_after(segment: Segment, heads: list[SignedHead], failed: SignedHead) -> int:
    """The first entry the failing head covers that the previous (smaller) head did not."""
    below = [h.size for h in heads if h.size < failed.size]
    return (segment.first_seq or 1) + (max(below) if below else 0)


# ---------------------------------------------------------------- proofs


def _segment_leaves(day: date, size: int) -> list[bytes]:
    with connections[DB].cursor() as cursor:
        cursor.execute(
            "SELECT leaf_hash FROM connlogs_entry WHERE segment_day = %s ORDER BY seq",
            [day],
        )
        leaves = [bytes.fromhex(h) for (h,) in cursor.fetchall()]
    return leaves[:size]


def inclusion_proof_for(seq: int) -> dict[str, Any]:
    """An RFC 9162 inclusion proof of entry ``seq`` against the latest signed head of its
    segment (JSON-able). ConnlogsProofError when no signed head covers the entry yet."""
    entry = Entry.objects.using(DB).filter(seq=seq).first()
    if entry is None:
        raise ConnlogsNotFoundError(f"no entry {seq}")
    head = head_latest(entry.segment_day)
    if head is None or head.size <= entry.index:
        raise ConnlogsProofError(f"entry {seq} is not yet covered by a signed head")
    leaves = _segment_leaves(entry.segment_day, head.size)
    proof = inclusion_proof(leaves, entry.index, head.size)
    return {
        "seq": seq,
        "segment": entry.segment_day.isoformat(),
        "index": entry.index,
        "size": head.size,
        "leaf_hash": entry.leaf_hash,
        "proof": [node.hex() for node in proof],
        "root": head.root,
        "checkpoint": head.note,
    }


def _head_body(note: str) -> tuple[date, int, bytes]:
    try:
        checkpoint = checkpoint_parse(note_verify(note, name=origin(), public_key=public_key()))
    except (NoteError, CheckpointError) as error:
        raise ConnlogsProofError(f"not a valid signed head: {error}") from error
    for line in checkpoint.extensions:
        if line.startswith("garde-segment "):
            return date.fromisoformat(line.split(" ", 1)[1]), checkpoint.size, checkpoint.root
    raise ConnlogsProofError("the signed head names no segment")


def consistency_proof_between(old_note: str, new_note: str) -> dict[str, Any]:
    """An RFC 9162 consistency proof between two signed heads of the same segment."""
    old_day, old_size, old_root = _head_body(old_note)
    new_day, new_size, new_root = _head_body(new_note)
    if old_day != new_day:
        raise ConnlogsProofError(
            "the heads are of different segments; each segment is its own tree, linked to the "
            "previous one by the chain of final heads"
        )
    if old_size > new_size:
        raise ConnlogsProofError("the old head is larger than the new one")
    leaves = _segment_leaves(new_day, new_size)
    if len(leaves) < new_size:
        raise ConnlogsProofError("the segment's entries are no longer all stored")
    proof = consistency_proof(leaves, old_size, new_size)
    return {
        "segment": new_day.isoformat(),
        "old_size": old_size,
        "new_size": new_size,
        "old_root": old_root.hex(),
        "new_root": new_root.hex(),
        "proof": [node.hex() for node in proof],
    }


def inclusion_proof_check(proof: dict[str, Any]) -> bool:
    """Verify a proof from ``inclusion_proof_for`` on its own (signature and path)."""
    day, size, root = _head_body(proof["checkpoint"])
    return (
        day.isoformat() == proof["segment"]
        and size == proof["size"]
        and inclusion_verify(
            leaf=bytes.fromhex(proof["leaf_hash"]),
            index=proof["index"],
            size=size,
            proof=[bytes.fromhex(node) for node in proof["proof"]],
            root=root,
        )
    )
