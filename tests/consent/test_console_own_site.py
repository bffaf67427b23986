"""Garde's own public pages use the banner themselves (issue 7, point 8): the own site is
created once, is tied to the register like any other, and every page embeds the script and
the footer link that reopens the preference centre."""

from __future__ import annotations

import pytest
from django.test import Client

from garde.consent.console_checks import consent_draft_problems
from garde.consent.models import ConsentSite
from garde.consent.own_site import OWN_COOKIE, OWN_SITE, demo_load, own_site_ensure
from garde.register.defaults import register_load_default

SCRIPT = f'<script src="/consent/garde-consent.js" data-site="{OWN_SITE}"'


def test_the_own_site_is_created_and_published_once(db: None) -> None:
    # when
    first = demo_load()
    second = demo_load()
    # then
    assert first == second == ["consent: site 'garde' published (version 1)"]
    site = ConsentSite.objects.get(key=OWN_SITE)
    assert site.published["cookie_name"] == OWN_COOKIE
    assert [p["key"] for p in site.published["purposes"]] == [
        "necessary",
        "statistics",
        "preferences",
    ]


def test_an_own_site_the_dpo_changed_is_left_as_it_is(db: None) -> None:
    # given
    site = own_site_ensure()
    site.draft["purposes"] = site.draft["purposes"][:1]
    site.save(update_fields=["draft"])
    # when
    again = own_site_ensure()
    # then
    assert again.version == 1
    assert [p["key"] for p in again.draft["purposes"]] == ["necessary"]


def test_the_own_site_is_tied_to_the_default_register(db: None) -> None:
    # given
    register_load_default()
    # when
    problems = consent_draft_problems(site=own_site_ensure())
    # then
    assert problems == []


@pytest.mark.parametrize("path", ["/", "/en/", "/confidentialite/", "/droits/"])
def test_r_53_public_pages_embed_the_banner_and_a_footer_link_to_reopen_it(
    db: None, client: Client, path: str
) -> None:
    # given
    register_load_default()
    # when
    response = client.get(path)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(SCRIPT) == 1
    assert page.count('<a href="#" data-garde-open>') == 1
