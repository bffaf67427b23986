"""Log-in in a real browser: a client member reaching the portal's RGPD tab, a DPO passing the
TOTP step to the audit trail, a wrong password, the language switch, keyboard-only use."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyotp
import pytest
from playwright.sync_api import expect

from garde.accounts import demo
from garde.accounts.models import TotpDevice
from garde.core.crypto import decrypt_text

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e

MEMBER = "alice@acme.example"
DPO = "dpo@inherent.example"
LOGIN_PATH = "/accounts/login/"


def login_url(live_server: LiveServer) -> str:
    return live_server.url + LOGIN_PATH


def submit_password(page: Page, email: str, password: str) -> None:
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_demo_member_logs_in_and_sees_the_rgpd_tab(page: Page, live_server: LiveServer) -> None:
    # given
    demo.load()
    page.goto(login_url(live_server))

    # when
    submit_password(page, MEMBER, demo.DEMO_PASSWORD)
    expect(page).to_have_url(live_server.url + "/")
    page.get_by_role("link", name="Ouvrir l'onglet RGPD").click()

    # then
    expect(page).to_have_url(live_server.url + "/portal/rgpd/")
    expect(page.get_by_role("heading", name="Onglet RGPD", level=2)).to_be_visible()
    tabs = page.get_by_role("navigation", name="Onglets du portail")
    expect(tabs.get_by_role("link", name="RGPD", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(tabs.get_by_role("link", name="Activité", exact=True)).not_to_have_attribute(
        "aria-current", "page"
    )


def test_demo_dpo_logs_in_with_totp_and_opens_the_audit_trail(
    page: Page, live_server: LiveServer
) -> None:
    # given
    demo.load()
    device = TotpDevice.objects.get(user__email=DPO)
    totp = pyotp.TOTP(decrypt_text(device.encrypted_secret))
    page.goto(login_url(live_server))
    submit_password(page, DPO, demo.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(live_server.url + "/accounts/login/verify/")))
    expect(page.get_by_role("heading", name="Double authentification", level=1)).to_be_visible()

    # when
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(totp.now())
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(live_server.url + "/")
    page.goto(live_server.url + "/console/audit/")

    # then
    expect(page.get_by_role("heading", name="Journal d'audit", level=2)).to_be_visible()
    table = page.get_by_role("table", name="Journal d'audit")
    login_rows = table.get_by_role("row").filter(
        has=page.get_by_role("cell", name="accounts.login", exact=True)
    )
    expect(login_rows).to_have_count(1)
    expect(login_rows.get_by_role("cell", name=DPO, exact=True)).to_be_visible()


def test_wrong_password_shows_an_error(page: Page, live_server: LiveServer) -> None:
    # given
    demo.load()
    page.goto(login_url(live_server))

    # when
    submit_password(page, MEMBER, demo.DEMO_PASSWORD + "x")

    # then
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)


def test_language_switch_to_english(page: Page, live_server: LiveServer) -> None:
    # given
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    # when
    page.get_by_label("Langue").select_option(label="English")
    page.get_by_role("button", name="Changer").click()

    # then
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + "/en/")


def test_keyboard_only_login(page: Page, live_server: LiveServer) -> None:
    # given
    demo.load()
    page.goto(login_url(live_server))

    # when: the first Tab reaches the skip link, later ones the e-mail field
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused(timeout=1_000)
    for _ in range(15):
        if page.evaluate("document.activeElement.name") == "email":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(MEMBER)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")

    # then
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("link", name="Ouvrir l'onglet RGPD")).to_be_visible()
