"""The daily audience counters are purged by the retention engine once their whole day lies
before the cut-off (CNIL: audience data kept at most 25 months, LEGAL-RULES R-57)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from garde.consent import stats_retention
from garde.consent.models import ConsentSite, PageViewDay
from garde.register.selectors import PublishedRetentionRule
from garde.retention.registry import ActiveHolds, registry

RULE = PublishedRetentionRule(
    key="audience-statistics",
    activity_slug="website-cookies",
    description_fr="Statistiques d'audience",
    description_en="Audience statistics",
    count=25,
    unit="months",
    anchor="collection",
    store="consent.page_views",
    data_category=None,
    legal_reference="",
    not_stated=True,
)


def test_r_57_counters_whose_day_is_over_before_the_cutoff_are_purged(site: ConsentSite) -> None:
    # given: the cut-off is 10 March 2026 at 00:30 in Paris
    handler = registry.get(stats_retention.STORE)
    assert handler is not None
    old = PageViewDay.objects.create(site=site, path="/", day=date(2026, 3, 9), count=4)
    PageViewDay.objects.create(site=site, path="/", day=date(2026, 3, 10), count=2)
    cutoff = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    # when
    due = list(handler.due(rule=RULE, cutoff=cutoff, holds=ActiveHolds(), batch_size=1))
    erased = handler.erase(due[0].pks)
    # then
    assert [batch.pks for batch in due] == [[old.pk]]
    assert due[0].anchor_min == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    assert erased == 1
    assert list(PageViewDay.objects.values_list("day", "count")) == [(date(2026, 3, 10), 2)]
    assert handler.supports_anchor("collection")
