"""The web shell: security headers, no external assets, language switch, portal and console
homes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

import garde

pytestmark = pytest.mark.django_db
SRC = Path(garde.__file__).parent


def test_pages_carry_csp_and_hardening_headers(client: Client) -> None:
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_forms_carry_a_csrf_token(client: Client) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert body.count('name="csrfmiddlewaretoken"') == 2  # log-in form and language switch


def test_no_template_loads_anything_from_another_origin() -> None:
    external = re.compile(r"""(src|href)=["']https?://""")
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("templates/**/*.html")
        if external.search(p.read_text())
    ]
    assert offenders == []


def test_no_inline_script_or_style_so_the_csp_holds() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("templates/**/*.html")
        # E-mail bodies are not pages: no CSP applies, and mail clients need inline styles.
        if "mail" not in p.relative_to(SRC).parts[:-1]
        and re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=", p.read_text())
    ]
    assert offenders == []


def test_french_is_the_default_and_english_is_under_en(client: Client) -> None:
    assert '<html lang="fr">' in client.get("/").content.decode()
    assert '<html lang="en">' in client.get("/en/").content.decode()


def test_language_switch_sets_the_language_cookie(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["garde_lang"].value == "en"


def test_session_cookie_is_http_only(client: Client, make_user: Callable[..., object]) -> None:
    from tests.accounts.factories import TEST_PASSWORD

    user = make_user("member")
    response = client.post(
        "/accounts/login/",
        {
            "email": user.email,  # type: ignore[attr-defined]
            "password": TEST_PASSWORD,
        },
    )
    cookie = response.cookies["garde_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_portal_home_opens_the_rgpd_tab(client_as: Callable[[str], Client]) -> None:
    response = client_as("member").get("/portal/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/rgpd/"
    assert "Onglet RGPD" in response.content.decode()


def test_api_keys_tab_only_for_org_admin(client_as: Callable[[str], Client]) -> None:
    body = client_as("member").get("/portal/rgpd/").content.decode()
    assert "/portal/api-keys/" not in body
