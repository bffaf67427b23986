"""Publishing a site's banner configuration: validation, version bumps, the lifetime ceiling,
and the proof of which banner a record was given under."""

from __future__ import annotations

from typing import Any

import pytest

from garde.consent.demo import demo_load
from garde.consent.errors import ConsentInvalidError
from garde.consent.models import ConsentSite, ConsentSiteVersion
from garde.consent.services import consent_record_create, consent_site_publish
from garde.core.models import AuditEvent
from tests.consent.conftest import VISITOR


def snapshot(site: ConsentSite) -> tuple[Any, ...]:
    site.refresh_from_db()
    return (
        site.version,
        site.published,
        site.text_version,
        site.lifetime_days,
        site.published_at,
        ConsentSiteVersion.objects.count(),
        AuditEvent.objects.count(),
    )


def test_publishing_bumps_the_version_keeps_the_previous_one_and_is_audited(
    site: ConsentSite,
) -> None:
    # given
    site.draft["purposes"][1]["description"]["fr"] = "Compter les visites."
    site.save(update_fields=["draft"])
    # when
    published = consent_site_publish(site=site, actor=None, lifetime_days=90)
    # then
    assert published.version == 2
    assert published.lifetime_days == 90
    assert published.published == published.draft
    assert list(
        ConsentSiteVersion.objects.filter(site=site).values_list("version", "lifetime_days")
    ) == [(1, 182), (2, 90)]
    event = AuditEvent.objects.filter(action="consent.site_published").latest("id")
    assert event.details == {
        "key": "demo",
        "version": 2,
        "text_version": published.text_version,
        "lifetime_days": 90,
    }
    assert event.object_id == str(site.pk)


@pytest.mark.parametrize("days", [396, 0, 800])
def test_r58_a_choice_lifetime_over_13_months_is_refused_and_nothing_changes(
    site: ConsentSite, days: int
) -> None:
    # given
    before = snapshot(site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_site_publish(site=site, actor=None, lifetime_days=days)
    # then
    assert refused.value.field == "lifetime_days"
    assert snapshot(site) == before


def test_a_13_month_lifetime_is_accepted(site: ConsentSite) -> None:
    # when
    published = consent_site_publish(site=site, actor=None, lifetime_days=395)
    # then
    assert published.lifetime_days == 395


def _without_necessary(config: dict[str, Any]) -> None:
    config["purposes"] = config["purposes"][1:]


def _necessary_optional(config: dict[str, Any]) -> None:
    config["purposes"][0]["required"] = False


def _statistics_required(config: dict[str, Any]) -> None:
    config["purposes"][1]["required"] = True


def _english_text_missing(config: dict[str, Any]) -> None:
    del config["texts"]["en"]["refuse_all"]


def _duplicate_purpose(config: dict[str, Any]) -> None:
    config["purposes"][2]["key"] = "statistics"


def _untranslated_purpose(config: dict[str, Any]) -> None:
    config["purposes"][1]["name"] = {"fr": "Statistiques"}


def _bad_cookie(config: dict[str, Any]) -> None:
    config["purposes"][1]["services"][0]["cookies"] = [{"path": "/"}]


def _bad_cookie_name(config: dict[str, Any]) -> None:
    config["cookie_name"] = "consent; path=/"


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        (_without_necessary, "purposes"),
        (_necessary_optional, "purposes.0"),
        (_statistics_required, "purposes.1"),
        (_english_text_missing, "texts.en"),
        (_duplicate_purpose, "purposes.2"),
        (_untranslated_purpose, "purposes.1"),
        (_bad_cookie, "purposes.1"),
        (_bad_cookie_name, "cookie_name"),
    ],
)
def test_r56_an_invalid_configuration_is_refused_and_nothing_changes(
    site: ConsentSite, spoil: Any, field: str
) -> None:
    # given
    spoil(site.draft)
    site.save(update_fields=["draft"])
    before = snapshot(site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_site_publish(site=site, actor=None)
    # then
    assert refused.value.field == field
    assert snapshot(site) == before


def test_the_text_version_changes_with_the_wording_only(site: ConsentSite) -> None:
    # given
    first = site.text_version
    site.draft["purposes"][1]["services"][0]["cookies"].append(
        {"name": "_other", "domain": ".example.org", "path": "/"}
    )
    site.save(update_fields=["draft"])
    same_wording = consent_site_publish(site=site, actor=None).text_version
    site.draft["texts"]["en"]["body"] = "New wording."
    site.save(update_fields=["draft"])
    # when
    new_wording = consent_site_publish(site=site, actor=None).text_version
    # then
    assert same_wording == first
    assert new_wording != first
    assert len(new_wording) == 64


def test_r55_the_exact_banner_behind_any_record_can_be_retrieved(site: ConsentSite) -> None:
    # given
    shown_then = site.published
    record = consent_record_create(
        site_key="demo",
        version=1,
        visitor=VISITOR,
        choices={"statistics": False},
        method="refuse_all",
        language="en",
    )
    site.draft["texts"]["fr"]["body"] = "Autre texte."
    site.save(update_fields=["draft"])
    consent_site_publish(site=site, actor=None)
    # when
    shown = ConsentSiteVersion.objects.get(site=record.site, version=record.version)
    # then
    assert shown.config == shown_then
    assert shown.text_version == record.text_version


def test_the_demo_loader_publishes_the_demo_site_once(db: None) -> None:
    # when
    first = demo_load()
    second = demo_load()
    # then
    assert first == second == ["consent: site 'demo' published (version 1)"]
    site = ConsentSite.objects.get(key="demo")
    assert [p["key"] for p in site.published["purposes"]] == [
        "necessary",
        "statistics",
        "preferences",
    ]
