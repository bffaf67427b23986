"""The consent pages of the DPO console as plain form posts: the site list, creation with
clear validation messages, adding a cookie, the register's purposes on the site page, and
publication from the page that shows the diff."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.consent.console_services import consent_draft_publish
from garde.consent.models import ConsentSite
from garde.core.models import AuditEvent
from tests.consent.test_console_services import (
    STATISTICS,
    dpo,
    new_site,
    ready_site,
    register,
)

__all__ = ["dpo", "new_site", "ready_site", "register"]  # fixtures used here


@pytest.fixture
def dpo_client(client: Client, dpo: User) -> Client:
    from tests.conftest import log_in

    return log_in(client, dpo)


def url(name: str, **kwargs: object) -> str:
    return reverse(f"consent_console:{name}", kwargs=kwargs)


def test_the_list_shows_each_site_with_its_version_and_record_count(
    dpo_client: Client,
    ready_site: ConsentSite,
    dpo: User,
    django_assert_num_queries: Callable[..., object],
) -> None:
    # given
    consent_draft_publish(site=ready_site, actor=dpo)
    # when
    with django_assert_num_queries(4):  # type: ignore[operator]  # session, user, roles, sites
        response = dpo_client.get(url("site_list"))
    # then
    assert response.status_code == 200
    row = next(s for s in response.context["sites"] if s.key == "www")
    assert (row.version, row.record_count) == (1, 0)
    assert "Site vitrine" in response.content.decode()


def test_creating_a_site_by_form_post(dpo_client: Client) -> None:
    # when
    response = dpo_client.post(
        url("site_create"),
        {
            "key": "shop",
            "name": "Boutique",
            "allowed_origins": "https://shop.example.fr/\nhttps://shop.example.fr",
            "lifetime_days": "182",
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == url("site_detail", consent_site="shop")
    site = ConsentSite.objects.get(key="shop")
    assert (site.name, site.draft["allowed_origins"]) == ("Boutique", ["https://shop.example.fr"])


def test_r_58_the_creation_form_explains_the_13_month_ceiling(dpo_client: Client) -> None:
    # when
    response = dpo_client.post(
        url("site_create"),
        {"key": "shop", "name": "Boutique", "allowed_origins": "", "lifetime_days": "400"},
    )
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "lifetime_days": ["La durée de conservation du choix va de 1 à 395 jours (13 mois)."]
    }
    assert ConsentSite.objects.count() == 0


def test_adding_a_cookie_with_a_bad_name_shows_the_rule(
    dpo_client: Client, new_site: ConsentSite
) -> None:
    # given
    target = url("cookie_add", consent_site="www", consent_purpose="necessary", consent_service=0)
    data = {
        "name": "my cookie",
        "domain": "",
        "path": "/",
        "lifetime_days": "30",
        "description_fr": "Essai.",
        "description_en": "Test.",
    }
    # when
    refused = dpo_client.post(target, data)
    accepted = dpo_client.post(target, {**data, "name": "my_cookie"})
    # then
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["name"]
    assert accepted.status_code == 302
    new_site.refresh_from_db()
    cookies = new_site.draft["purposes"][0]["services"][0]["cookies"]
    assert [c["name"] for c in cookies] == ["garde_consent", "my_cookie"]


def test_the_site_page_shows_the_register_purposes_and_flags_an_unknown_one(
    dpo_client: Client, ready_site: ConsentSite
) -> None:
    # given
    ready_site.draft["purposes"][1]["register_purposes"] = ["Revendre vos données"]
    ready_site.save(update_fields=["draft"])
    # when
    response = dpo_client.get(url("site_detail", consent_site="www"))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert STATISTICS in page
    assert "<mark>Revendre vos données — inconnue du registre</mark>" in page
    assert [p.field for p in response.context["problems"]] == ["purposes.1"]


def test_publishing_from_the_console_shows_the_diff_then_bumps_the_version(
    dpo_client: Client, ready_site: ConsentSite
) -> None:
    # when
    preview = dpo_client.get(url("publish", consent_site="www"))
    published = dpo_client.post(url("publish", consent_site="www"))
    # then
    assert preview.status_code == 200
    assert "purposes[statistics].name.fr" in preview.content.decode()
    assert published.status_code == 302
    ready_site.refresh_from_db()
    assert ready_site.version == 1
    assert AuditEvent.objects.filter(action="consent.site_published").count() == 1


def test_a_refused_publication_says_why_and_publishes_nothing(
    dpo_client: Client, new_site: ConsentSite, register: None
) -> None:
    # when
    response = dpo_client.post(url("publish", consent_site="www"))
    # then
    assert response.status_code == 400
    assert "aucune finalité du registre" in response.content.decode()
    new_site.refresh_from_db()
    assert new_site.version == 0
    assert AuditEvent.objects.filter(action="consent.site_published").count() == 0


def test_removing_a_purpose_by_form_post(dpo_client: Client, ready_site: ConsentSite) -> None:
    # when
    response = dpo_client.post(
        url("purpose_remove", consent_site="www", consent_purpose="statistics")
    )
    # then
    assert response.status_code == 302
    ready_site.refresh_from_db()
    assert [p["key"] for p in ready_site.draft["purposes"]] == ["necessary"]


def test_a_support_agent_cannot_publish(
    client_as: Callable[[str], Client], ready_site: ConsentSite
) -> None:
    # when
    response = client_as("support").post(url("publish", consent_site="www"))
    # then
    assert response.status_code == 403
    ready_site.refresh_from_db()
    assert ready_site.version == 0
