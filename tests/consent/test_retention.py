"""Consent records are purged by the retention engine once the evidence period has run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from garde.consent.models import ConsentRecord, ConsentSite
from garde.consent.services import consent_record_create
from garde.register.selectors import PublishedRetentionRule
from garde.retention.registry import ActiveHolds, registry
from tests.consent.conftest import OTHER_VISITOR, VISITOR

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
RULE = PublishedRetentionRule(
    key="consent-records",
    activity_slug="cookies",
    description_fr="Preuves de consentement",
    description_en="Proof of consent",
    count=5,
    unit="years",
    anchor="collection",
    store="consent.records",
    data_category=None,
    legal_reference="",
    not_stated=False,
)


def _record(visitor: str) -> ConsentRecord:
    return consent_record_create(
        site_key="demo",
        version=1,
        visitor=visitor,
        choices={"statistics": True},
        method="accept_all",
        language="fr",
    )


def test_records_older_than_the_cutoff_are_purged_by_recorded_at(site: ConsentSite) -> None:
    # given
    handler = registry.get("consent.records")
    assert handler is not None
    with time_machine.travel(START, tick=False):
        old = _record(VISITOR)
    with time_machine.travel(START + timedelta(days=10), tick=False):
        recent = _record(OTHER_VISITOR)
    # when
    due = list(handler.due(rule=RULE, cutoff=START + timedelta(days=1), holds=ActiveHolds()))
    erased = handler.erase(due[0].pks)
    # then
    assert [batch.pks for batch in due] == [[old.pk]]
    assert erased == 1
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [recent.pk]
    assert handler.supports_anchor("collection")
