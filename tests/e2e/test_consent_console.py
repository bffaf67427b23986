"""Garde's own pages use the cookie banner (issue 7, point 8): a first-time visitor of the
privacy notice is asked and can refuse in one click; a returning visitor (the default of these
browser tests) is not asked again and reopens the choices from the footer link."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from garde.consent.models import ConsentRecord
from garde.consent.own_site import OWN_COOKIE, OWN_SITE, own_site_ensure
from garde.register.defaults import register_load_default

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.fixtures import SettingsWrapper
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTICE = "/confidentialite/"


@pytest.fixture
def own_site(settings: SettingsWrapper, live_server: LiveServer) -> None:
    # The configuration names the API by the base URL: the live server's, here.
    settings.BASE_URL = live_server.url
    register_load_default()
    own_site_ensure()


def test_a_fresh_visitor_of_the_notice_sees_the_banner_and_refuses_in_one_click(
    fresh_visitor: None, page: Page, live_server: LiveServer, own_site: None
) -> None:
    # when
    page.goto(live_server.url + NOTICE)

    # then
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("heading", name="Vos choix sur les cookies")).to_be_visible()
    assert ConsentRecord.objects.count() == 0

    # when
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/consent") and r.request.method == "POST"
    ) as response:
        page.get_by_role("button", name="Tout refuser", exact=True).click()

    # then
    assert response.value.status == 201
    expect(page.get_by_role("dialog")).to_have_count(0)
    record = ConsentRecord.objects.get()
    assert (record.site.key, record.version, record.method, record.choices) == (
        OWN_SITE,
        1,
        "refuse_all",
        {"statistics": False, "preferences": False},
    )
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[OWN_COOKIE].endswith(".statistics:0,preferences:0")
    # and the refusal is remembered on the next page
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_returning_visitor_is_not_asked_again_and_reopens_the_choices_from_the_footer(
    page: Page, live_server: LiveServer, own_site: None
) -> None:
    # given
    page.goto(live_server.url + NOTICE)
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("dialog")).to_have_count(0)

    # when
    page.get_by_role("link", name="Gérer mes choix de cookies").click()

    # then
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("switch", name="Statistiques")).not_to_be_checked()
    assert ConsentRecord.objects.count() == 0
