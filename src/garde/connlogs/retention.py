"""The store connlogs owns, for the retention engine: ``connlogs.connection_logs``.

The register's rule (one year from the connection) drives the daily sweep like any other store,
but connection logs are never deleted row by row: the handler's records are whole *segments*
(identified by their day), due when their youngest entry is older than the rule's cut-off, and
erasing one is ``purge.segment_purge``, which re-checks the store's own one-year floor
(``purge.one_year_after``) under lock and leaves a signed purge record. So a rule shorter than a
year, or a clock error in the sweep, can never delete a connection log younger than a year.
Legal holds name people and organisations, not connection logs: a requisition is served by an
export (``garde connlogs export``), not by holding the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from garde.connlogs.choices import SegmentStatus
from garde.connlogs.heads import DB
from garde.connlogs.models import Segment
from garde.connlogs.purge import segment_purge
from garde.register.choices import RetentionAnchor
from garde.register.selectors import PublishedRetentionRule
from garde.retention.choices import PurgeMode
from garde.retention.registry import ActiveHolds, DueBatch, PurgeHandler, registry


class ConnectionLogPurgeHandler(PurgeHandler):
    """Segments of the connection-log store; see the module docstring."""

    key = "connlogs.connection_logs"
    description = _("Journaux de connexions (connlogs, segments journaliers)")
    mode = PurgeMode.DELETE
    batch_size = 50
    # 366 days: the sweep's cut-off never comes later than a year (leap years included).
    minimum_age = timedelta(days=366)

    def supports_anchor(self, anchor: str) -> bool:
        return anchor == RetentionAnchor.CONNECTION

    def due(
        self,
        *,
        rule: PublishedRetentionRule,
        cutoff: datetime,
        holds: ActiveHolds,
        batch_size: int | None = None,
    ) -> Iterator[DueBatch]:
        size = batch_size or self.batch_size
        rows = (
            Segment.objects.using(DB)
            .exclude(status=SegmentStatus.PURGED)
            .filter(max_ts__lt=cutoff)
            .order_by("day")
            .values_list("day", "max_ts")
        )
        batch = DueBatch()
        for day, max_ts in rows:
            if max_ts is None:
                continue
            batch.add(day.isoformat(), max_ts)
            if len(batch.pks) == size:
                yield batch
                batch = DueBatch()
        if batch.pks:
            yield batch

    def erase(self, pks: Sequence[Any]) -> int:
        now = datetime.now(tz=UTC)
        erased = 0
        for day in pks:
            outcome = segment_purge(day=date.fromisoformat(str(day)), now=now)
            if outcome is not None:
                # Segments, as ``due`` yields them (a dry run counts the same); the entries a
                # segment held are in its audit event and purge record.
                erased += 1
        return erased


registry.register(ConnectionLogPurgeHandler())
