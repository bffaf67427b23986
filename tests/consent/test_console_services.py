"""Console writes on a site's draft (issue 7, point 6): creation with the choice's lifetime,
cookie and purpose rules, the tie to the register's cookie processing, and publication that
bumps the version the configuration API serves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from garde.accounts.models import User
from garde.consent.console_checks import consent_draft_diff, consent_draft_problems
from garde.consent.console_purposes import (
    consent_draft_cookie_add,
    consent_draft_purpose_remove,
    consent_draft_purpose_save,
    consent_draft_service_add,
)
from garde.consent.console_services import (
    consent_console_site_create,
    consent_draft_publish,
    consent_draft_settings_update,
)
from garde.consent.errors import ConsentInvalidError
from garde.consent.models import ConsentSite, ConsentSiteVersion
from garde.core.models import AuditEvent
from garde.register.defaults import register_load_default

LOGIN = "Vous permettre de vous connecter"
STATISTICS = (
    "Établir des statistiques sans identifier une quelconque autre information individuelle"
)


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo")


@pytest.fixture
def register(db: None) -> None:
    register_load_default()


def add_statistics(site: ConsentSite, dpo: User) -> ConsentSite:
    site = consent_draft_purpose_save(
        site=site,
        purpose_key=None,
        key="statistics",
        name={"fr": "Statistiques", "en": "Statistics"},
        description={"fr": "Compter les visites.", "en": "Counting visits."},
        register_purposes=[STATISTICS],
        actor=dpo,
    )
    site = consent_draft_service_add(site=site, purpose_key="statistics", name="Matomo", actor=dpo)
    return consent_draft_cookie_add(
        site=site,
        purpose_key="statistics",
        service_index=0,
        name="_pk_id.1.1fff",
        domain=None,
        path="/",
        lifetime_days=395,
        description={"fr": "Identifiant de visite.", "en": "Visit id."},
        actor=dpo,
    )


@pytest.fixture
def new_site(dpo: User) -> ConsentSite:
    return consent_console_site_create(
        key="www", name="Site vitrine", allowed_origins=["https://www.example.fr"], actor=dpo
    )


@pytest.fixture
def ready_site(new_site: ConsentSite, dpo: User, register: None) -> ConsentSite:
    """A draft that can be published: the necessary purpose tied to the register, statistics
    with a service and a cookie."""
    necessary = new_site.draft["purposes"][0]
    site = consent_draft_purpose_save(
        site=new_site,
        purpose_key="necessary",
        key="necessary",
        name=necessary["name"],
        description=necessary["description"],
        register_purposes=[LOGIN],
        actor=dpo,
    )
    return add_statistics(site, dpo)


def state(site: ConsentSite) -> tuple[Any, ...]:
    site.refresh_from_db()
    return (
        site.draft,
        site.published,
        site.version,
        ConsentSiteVersion.objects.count(),
        AuditEvent.objects.count(),
    )


def test_r_54_a_new_site_keeps_the_choice_6_months_by_default_and_is_audited(
    new_site: ConsentSite, dpo: User
) -> None:
    # then
    assert (new_site.lifetime_days, new_site.draft["lifetime_days"]) == (182, 182)
    assert new_site.draft["allowed_origins"] == ["https://www.example.fr"]
    assert new_site.version == 0
    assert [p["key"] for p in new_site.draft["purposes"]] == ["necessary"]
    event = AuditEvent.objects.get(action="consent.site_created")
    assert (event.actor, event.object_id, event.details) == (dpo, str(new_site.pk), {"key": "www"})


@pytest.mark.parametrize("days", [396, 0, 800])
def test_r_58_a_site_keeping_the_choice_over_13_months_is_refused_and_nothing_stored(
    dpo: User, days: int
) -> None:
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_console_site_create(
            key="www", name="Site", allowed_origins=[], lifetime_days=days, actor=dpo
        )
    # then
    assert refused.value.field == "lifetime_days"
    assert (
        refused.value.message == "La durée de conservation du choix va de 1 à 395 jours (13 mois)."
    )
    assert ConsentSite.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_an_ill_formed_origin_is_refused(dpo: User) -> None:
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_console_site_create(
            key="www", name="Site", allowed_origins=["www.example.fr/page"], actor=dpo
        )
    # then
    assert refused.value.field == "allowed_origins"
    assert ConsentSite.objects.count() == 0


def test_r_58_the_settings_refuse_a_choice_kept_over_13_months_and_change_nothing(
    new_site: ConsentSite, dpo: User
) -> None:
    # given
    before = state(new_site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_settings_update(
            site=new_site,
            name="Site",
            allowed_origins=[],
            lifetime_days=396,
            cookie_name="garde_consent",
            cookie_domain=None,
            actor=dpo,
        )
    # then
    assert refused.value.field == "lifetime_days"
    assert state(new_site) == before


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [
        ("bad name", 30, "name"),
        ("a;b", 30, "name"),
        ("a=b", 30, "name"),
        ("", 30, "name"),
        ("témoin", 30, "name"),
        ("_ga", 396, "lifetime_days"),
        ("_ga", -1, "lifetime_days"),
    ],
)
def test_r_58_a_cookie_with_a_bad_name_or_living_over_13_months_is_refused(
    new_site: ConsentSite, dpo: User, name: str, days: int, field: str
) -> None:
    # given
    before = state(new_site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_cookie_add(
            site=new_site,
            purpose_key="necessary",
            service_index=0,
            name=name,
            domain=None,
            path="/",
            lifetime_days=days,
            description={"fr": "x", "en": "x"},
            actor=dpo,
        )
    # then
    assert refused.value.field == field
    assert state(new_site) == before


@pytest.mark.parametrize("days", [0, 395])
def test_r_58_a_session_cookie_and_a_13_month_cookie_are_accepted(
    new_site: ConsentSite, dpo: User, days: int
) -> None:
    # when
    site = consent_draft_cookie_add(
        site=new_site,
        purpose_key="necessary",
        service_index=0,
        name="__Host-id",
        domain=".Example.FR",
        path="/app",
        lifetime_days=days,
        description={"fr": "Identifiant.", "en": "Id."},
        actor=dpo,
    )
    # then
    assert site.draft["purposes"][0]["services"][0]["cookies"][1] == {
        "name": "__Host-id",
        "domain": ".example.fr",
        "path": "/app",
        "lifetime_days": days,
        "description": {"fr": "Identifiant.", "en": "Id."},
    }
    event = AuditEvent.objects.filter(action="consent.draft_updated").latest("id")
    assert event.details == {
        "key": "www",
        "change": "cookie_added",
        "purpose": "necessary",
        "cookie": "__Host-id",
    }


def test_a_cookie_declared_twice_is_refused(ready_site: ConsentSite, dpo: User) -> None:
    # given
    before = state(ready_site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_cookie_add(
            site=ready_site,
            purpose_key="necessary",
            service_index=0,
            name="_pk_id.1.1fff",
            domain=None,
            path="/",
            lifetime_days=30,
            description={"fr": "x", "en": "x"},
            actor=dpo,
        )
    # then
    assert refused.value.message == "Ce cookie est déjà déclaré (finalité « statistics »)."
    assert state(ready_site) == before


def test_a_duplicate_purpose_key_is_refused(ready_site: ConsentSite, dpo: User) -> None:
    # given
    before = state(ready_site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_purpose_save(
            site=ready_site,
            purpose_key=None,
            key="statistics",
            name={"fr": "Autre", "en": "Other"},
            description={"fr": "Autre.", "en": "Other."},
            register_purposes=[],
            actor=dpo,
        )
    # then
    assert (refused.value.field, refused.value.message) == (
        "key",
        "Une autre finalité porte déjà cette clé.",
    )
    assert state(ready_site) == before


def test_the_necessary_purpose_can_be_neither_removed_nor_renamed(
    ready_site: ConsentSite, dpo: User
) -> None:
    # given
    before = state(ready_site)
    # when
    with pytest.raises(ConsentInvalidError) as removal:
        consent_draft_purpose_remove(site=ready_site, purpose_key="necessary", actor=dpo)
    with pytest.raises(ConsentInvalidError) as renaming:
        consent_draft_purpose_save(
            site=ready_site,
            purpose_key="necessary",
            key="essential",
            name={"fr": "Essentiels", "en": "Essential"},
            description={"fr": "x", "en": "x"},
            register_purposes=[LOGIN],
            actor=dpo,
        )
    # then
    assert removal.value.field == "purpose"
    assert renaming.value.field == "key"
    assert state(ready_site) == before


def test_removing_a_purpose_is_audited(ready_site: ConsentSite, dpo: User) -> None:
    # when
    site = consent_draft_purpose_remove(site=ready_site, purpose_key="statistics", actor=dpo)
    # then
    assert [p["key"] for p in site.draft["purposes"]] == ["necessary"]
    event = AuditEvent.objects.filter(action="consent.draft_updated").latest("id")
    assert event.details == {"key": "www", "change": "purpose_removed", "purpose": "statistics"}
    assert event.actor == dpo


def test_publishing_creates_the_next_immutable_version_and_is_audited(
    ready_site: ConsentSite, dpo: User
) -> None:
    # when
    site = consent_draft_publish(site=ready_site, actor=dpo)
    # then
    assert (site.version, site.lifetime_days) == (1, 182)
    assert site.published == site.draft
    version = ConsentSiteVersion.objects.get(site=site)
    assert (version.version, version.config) == (1, site.draft)
    event = AuditEvent.objects.get(action="consent.site_published")
    assert event.actor == dpo
    assert event.details == {
        "key": "www",
        "version": 1,
        "text_version": site.text_version,
        "lifetime_days": 182,
    }
    assert consent_draft_diff(site=site) == []


def test_r_52_an_optional_purpose_without_any_service_is_not_published(
    ready_site: ConsentSite, dpo: User
) -> None:
    # given
    site = consent_draft_purpose_save(
        site=ready_site,
        purpose_key=None,
        key="ads",
        name={"fr": "Publicité", "en": "Advertising"},
        description={"fr": "Publicité ciblée.", "en": "Targeted ads."},
        register_purposes=[STATISTICS],
        actor=dpo,
    )
    before = state(site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_publish(site=site, actor=dpo)
    # then
    assert refused.value.field == "purposes.2"
    assert refused.value.message == (
        "La finalité « ads » ne nomme aucun service : le visiteur doit savoir qui dépose "
        "les cookies."
    )
    assert state(site) == before


def test_a_purpose_the_register_does_not_declare_is_refused_at_publication(
    ready_site: ConsentSite, dpo: User
) -> None:
    # given: a purpose tied to a line the register does not have
    statistics = ready_site.draft["purposes"][1]
    site = consent_draft_purpose_save(
        site=ready_site,
        purpose_key="statistics",
        key="statistics",
        name=statistics["name"],
        description=statistics["description"],
        register_purposes=["Revendre vos données"],
        actor=dpo,
    )
    before = state(site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_publish(site=site, actor=dpo)
    # then
    assert refused.value.field == "purposes.1"
    assert refused.value.message == (
        "La finalité « statistics » renvoie à une finalité que le registre ne déclare pas : "
        "« Revendre vos données »."
    )
    assert state(site) == before


def test_a_purpose_tied_to_nothing_in_the_register_is_flagged(
    new_site: ConsentSite, register: None
) -> None:
    # when
    problems = consent_draft_problems(site=new_site)
    # then
    assert [(p.field, p.message) for p in problems] == [
        (
            "purposes.0",
            "La finalité « necessary » n'est rattachée à aucune finalité du registre.",
        )
    ]


def test_without_a_published_register_nothing_is_published(
    new_site: ConsentSite, dpo: User
) -> None:
    # given
    before = state(new_site)
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        consent_draft_publish(site=new_site, actor=dpo)
    # then
    assert refused.value.field == "register"
    assert state(new_site) == before


def test_a_published_change_changes_the_version_and_etag_the_config_api_serves(
    ready_site: ConsentSite, dpo: User, client: Client
) -> None:
    # given
    consent_draft_publish(site=ready_site, actor=dpo)
    url = "/api/v1/consent/config/www"
    first = client.get(url)
    statistics = ready_site.draft["purposes"][1]
    site = consent_draft_purpose_save(
        site=ConsentSite.objects.get(key="www"),
        purpose_key="statistics",
        key="statistics",
        name={"fr": "Mesure d'audience", "en": "Audience measurement"},
        description=statistics["description"],
        register_purposes=[STATISTICS],
        actor=dpo,
    )
    # when: the draft alone changes nothing served; publishing does
    before_publication = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    consent_draft_publish(site=site, actor=dpo)
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    # then
    assert (first.status_code, first.json()["version"]) == (200, 1)
    assert before_publication.status_code == 304
    assert (second.status_code, second.json()["version"]) == (200, 2)
    assert second["ETag"] != first["ETag"]
    assert second["ETag"].startswith('"v2-')
    assert second.json()["purposes"][1]["name"] == {
        "fr": "Mesure d'audience",
        "en": "Audience measurement",
    }


def test_the_diff_lists_what_publishing_would_change(ready_site: ConsentSite, dpo: User) -> None:
    # given
    site = consent_draft_publish(site=ready_site, actor=dpo)
    statistics = site.draft["purposes"][1]
    site = consent_draft_purpose_save(
        site=site,
        purpose_key="statistics",
        key="statistics",
        name={"fr": "Mesure d'audience", "en": statistics["name"]["en"]},
        description=statistics["description"],
        register_purposes=[STATISTICS],
        actor=dpo,
    )
    # when
    changes = consent_draft_diff(site=site)
    # then
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("purposes[statistics].name.fr", "Statistiques", "Mesure d'audience")
    ]
