"""The connection-log store. Every model lives only in the ``connlogs`` database alias (see
``garde.core.routers``); the main database holds none of it.

The log is one global sequence of entries (``Entry.seq``, gapless from 1) cut into segments, one
per UTC day of ingestion. Each segment is an RFC 9162 Merkle tree whose leaves are the entries'
canonical encodings (``garde.connlogs.encoding``); its heads are signed C2SP checkpoints
(``SignedHead``), the final head of each segment chained to the previous one's. Retention deletes
whole segments and leaves a signed ``PurgeRecord`` in their place. docs/connlogs.md is the
specification.
"""

from __future__ import annotations

from django.db import models

from garde.connlogs.choices import SegmentStatus

# Column widths; ingest rejects a line whose value does not fit rather than truncating it.
SERVICE_MAX = 100
EVENT_MAX = 50
ACCOUNT_MAX = 255
IP_MAX = 45
SESSION_MAX = 255


class Segment(models.Model):
    """One UTC day of ingestion: a Merkle tree of the entries ingested that day.

    Append-only while ``open``: ingest adds leaves at the end and saves the streaming tree's
    compact state (``tree_state``, ``TreeBuilder.state()``) with ``size`` and ``root`` in the same
    transaction as the rows. ``closed`` once the day is over and its final head is signed;
    ``purged`` once retention removed its rows (a ``PurgeRecord`` then keeps its final head).
    ``first_seq``/``last_seq`` are the global sequence numbers of its first and last leaf;
    ``min_ts``/``max_ts`` the range of connection times it holds, which retention reads.
    """

    day = models.DateField(unique=True)
    status = models.CharField(
        max_length=10, choices=SegmentStatus.choices, default=SegmentStatus.OPEN
    )
    size = models.BigIntegerField(default=0)
    root = models.CharField(max_length=64, blank=True)
    first_seq = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    tree_state = models.JSONField(default=list, blank=True)
    min_ts = models.DateTimeField(null=True, blank=True)
    max_ts = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"segment {self.day.isoformat()} ({self.status}, {self.size} entries)"


class Entry(models.Model):
    """One connection event, and a leaf of its segment's tree.

    ``seq`` is global and gapless from 1; ``index`` is the leaf's position in its segment
    (0-based). ``leaf_hash`` is hex of ``merkle.leaf_hash(encoding.entry_bytes(...))`` over the
    stored columns, so verification recomputes it from the row. ``raw`` is the line as received
    (unknown JSON keys survive only there).

    On PostgreSQL the table is partitioned by range on ``segment_day`` (one partition per day,
    dropped by retention), so its real primary key is ``(segment_day, seq)``; ``seq`` alone is
    still unique because ingest allocates it, and Django only ever sees ``seq``.
    """

    seq = models.BigIntegerField(primary_key=True)
    segment_day = models.DateField()
    index = models.BigIntegerField()
    ts = models.DateTimeField()
    service = models.CharField(max_length=SERVICE_MAX)
    event = models.CharField(max_length=EVENT_MAX)
    # Null, not "": an absent value and an empty one encode differently (encoding.py).
    account = models.CharField(max_length=ACCOUNT_MAX, null=True, blank=True)  # noqa: DJ001
    ip = models.CharField(max_length=IP_MAX, null=True, blank=True)  # noqa: DJ001
    port = models.IntegerField(null=True, blank=True)
    session = models.CharField(max_length=SESSION_MAX, null=True, blank=True)  # noqa: DJ001
    raw = models.TextField()
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "entries"
        # Named so the PostgreSQL migration can create the same indexes on the partitioned table.
        indexes = [
            models.Index(fields=["segment_day"], name="connlogs_entry_day_idx"),
            models.Index(fields=["ts"], name="connlogs_entry_ts_idx"),
            models.Index(fields=["account"], name="connlogs_entry_account_idx"),
            models.Index(fields=["ip"], name="connlogs_entry_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.ts.isoformat()} {self.service} {self.event}"


class SignedHead(models.Model):
    """A signed C2SP checkpoint of a segment's tree at ``size`` leaves.

    ``note`` is the whole signed note (body, blank line, signature line), as published; ``size``
    and ``root`` repeat the body for queries. Heads are signed periodically while the segment is
    open and once more, ``final``, when it closes. ``previous`` is hex SHA-256 of the previous
    segment's final note ("" for the first segment); the body's extension lines carry it too,
    under the signature, which makes the final heads a chain.
    """

    segment_day = models.DateField()
    size = models.BigIntegerField()
    root = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    note = models.TextField()
    final = models.BooleanField(default=False)
    previous = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["segment_day", "size", "id"]
        indexes = [models.Index(fields=["segment_day", "size"], name="connlogs_head_day_size_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["segment_day"],
                condition=models.Q(final=True),
                name="connlogs_head_one_final_per_day",
            )
        ]

    def __str__(self) -> str:
        kind = "final head" if self.final else "head"
        return f"{kind} {self.segment_day.isoformat()} size {self.size}"


class PurgeRecord(models.Model):
    """The trace of a segment removed by the one-year retention.

    Keeps what verification needs to tell a purged segment from a missing one and to carry the
    sequence and the chain across the gap: the segment's size, root, sequence range and time
    range, its final signed head (``final_head``), and ``note``: a signed note (same key, same
    origin) stating the purge (see ``garde.connlogs.purge``).
    """

    segment_day = models.DateField(unique=True)
    size = models.BigIntegerField()
    root = models.CharField(max_length=64)
    first_seq = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    min_ts = models.DateTimeField(null=True, blank=True)
    max_ts = models.DateTimeField(null=True, blank=True)
    final_head = models.TextField()
    purged_at = models.DateTimeField()
    note = models.TextField()

    class Meta:
        ordering = ["segment_day"]

    def __str__(self) -> str:
        return f"purge of {self.segment_day.isoformat()} ({self.size} entries)"
