"""The audience counters' store for the retention engine: ``consent.page_views``, the daily
counters, purged once their day is older than the rule's period (the CNIL recommends keeping
audience data at most 25 months, LEGAL-RULES R-57). The counters are anonymous: no legal hold
can name a person in them, so none applies.

Imported from ``garde.consent.retention`` (the module the retention app discovers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.consent.stats_models import PageViewDay
from garde.register.choices import RetentionAnchor
from garde.register.selectors import PublishedRetentionRule
from garde.retention.registry import ActiveHolds, DueBatch, ModelPurgeHandler, registry

STORE = "consent.page_views"


class PageViewDayPurgeHandler(ModelPurgeHandler):
    """Counters are dated by day, not by instant: a day's counter is due once the whole day
    (in the project's time zone) lies before the cut-off; its anchor is that day's midnight."""

    def due(
        self,
        *,
        rule: PublishedRetentionRule,
        cutoff: datetime,
        holds: ActiveHolds,
        batch_size: int | None = None,
    ) -> Iterator[DueBatch]:
        size = batch_size or self.batch_size
        zone = timezone.get_current_timezone()
        rows = PageViewDay.objects.filter(day__lt=timezone.localtime(cutoff).date())
        last_pk: int | None = None
        while True:
            page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            values = list(page.order_by("pk").values_list("pk", "day")[:size])
            if values:
                batch = DueBatch()
                for pk, day in values:
                    batch.add(pk, datetime.combine(day, time.min, tzinfo=zone))
                yield batch
            if len(values) < size:
                return
            last_pk = values[-1][0]


if registry.get(STORE) is None:
    registry.register(
        PageViewDayPurgeHandler(
            key=STORE,
            description=_("Statistiques d'audience anonymes (consent.PageViewDay)"),
            model=PageViewDay,
            anchor_fields={RetentionAnchor.COLLECTION: "day", RetentionAnchor.EVENT: "day"},
        )
    )
