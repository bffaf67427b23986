"""Automated accessibility check (axe-core, WCAG 2.1 A/AA rules) of the pages built so far:
no serious or critical violation, signed out, as a client member and as the DPO."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest

from garde.accounts import demo
from garde.accounts.models import TotpDevice
from garde.core.crypto import decrypt_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / ".ci/tools/node_modules/axe-core/axe.min.js"
SERIOUS = {"serious", "critical"}


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def axe_page(browser: Browser) -> Page:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run .ci/install-browser-tools.sh")
    # The CSP forbids inline scripts, which is how axe is injected: bypass it for this check only.
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    return context.new_page()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    if "/login/verify/" in page.url:
        device = TotpDevice.objects.get(user__email=email)
        code = pyotp.TOTP(decrypt_text(device.encrypted_secret)).now()
        page.get_by_label("Code à 6 chiffres ou code de secours").fill(code)
        page.get_by_role("button", name="Valider").click()
    page.wait_for_url(base + "/")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/en/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/confidentialite/",
        "/en/privacy/",
        "/confidentialite/versions/",
        "/confidentialite/versions/1/",
    ],
)
def test_public_pages_have_no_serious_violation(
    axe_page: Page, live_server: LiveServer, path: str
) -> None:
    from garde.register.defaults import register_load_default

    register_load_default()
    axe_page.goto(live_server.url + path)
    assert violations(axe_page) == []


def test_client_pages_have_no_serious_violation(axe_page: Page, live_server: LiveServer) -> None:
    demo.load()
    log_in(axe_page, live_server.url, "admin@acme.example")
    found = {}
    for path in [
        "/portal/rgpd/",
        "/portal/activity/",
        "/portal/api-keys/",
        "/accounts/profile/",
        "/accounts/profile/edit/",
        "/accounts/security/",
        "/accounts/mfa/setup/",
        "/accounts/password/change/",
        "/accounts/profile/delete/",
    ]:
        axe_page.goto(live_server.url + path)
        found[path] = violations(axe_page)
    assert found == {path: [] for path in found}


def test_console_pages_have_no_serious_violation(axe_page: Page, live_server: LiveServer) -> None:
    demo.load()
    log_in(axe_page, live_server.url, "dpo@inherent.example")
    found = {}
    from garde.register.defaults import register_load_default

    register_load_default()
    for path in [
        "/console/",
        "/console/audit/",
        "/console/api-keys/",
        "/console/register/",
        "/console/register/versions/",
        "/console/register/versions/1/",
        "/console/register/activities/newsletter/",
        "/console/register/activities/newsletter/edit/",
    ]:
        axe_page.goto(live_server.url + path)
        found[path] = violations(axe_page)
    assert found == {path: [] for path in found}
