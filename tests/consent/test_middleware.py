"""The consent write is answered ahead of the middleware it does not need (session, locale,
CSRF, authentication, MFA, CSP), with the same behaviour as the API route, and everything else
still goes through the whole stack."""

from __future__ import annotations

import json

from django.test import Client

from garde.consent.models import ConsentRecord, ConsentSite
from tests.consent.conftest import VISITOR

URL = "/api/v1/consent"
BODY = {
    "site": "demo",
    "version": 1,
    "visitor": VISITOR,
    "choices": {"statistics": True},
    "method": "preferences",
    "language": "fr",
}


def test_a_consent_write_skips_the_page_middleware_but_keeps_the_security_headers(
    client: Client, site: ConsentSite
) -> None:
    # when
    response = client.post(URL, data=json.dumps(BODY), content_type="application/json")
    # then
    assert response.status_code == 201
    assert ConsentRecord.objects.count() == 1
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware, before it
    assert "Content-Security-Policy" not in response  # csp middleware, after it
    assert "Content-Language" not in response  # LocaleMiddleware, after it
    assert not response.cookies  # no session, no CSRF cookie


def test_its_errors_follow_the_browsers_language(client: Client, site: ConsentSite) -> None:
    # when
    english = client.post(
        URL,
        data=json.dumps({**BODY, "site": "nope"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    french = client.post(
        URL,
        data=json.dumps({**BODY, "site": "nope"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    # then
    assert english.status_code == french.status_code == 404
    assert english.json()["error"]["field"] == "site"
    assert english.json()["error"]["message"] != french.json()["error"]["message"]
    assert ConsentRecord.objects.count() == 0


def test_the_preflight_is_answered_with_cors_headers(client: Client, db: None) -> None:
    # when
    response = client.options(URL, HTTP_ORIGIN="https://www.example.org")
    # then
    assert response.status_code == 204
    assert response["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


def test_other_requests_still_go_through_the_whole_stack(client: Client, db: None) -> None:
    # when
    page = client.get("/")
    other_method = client.get(URL)
    # then
    assert page.status_code == 200
    assert "Content-Security-Policy" in page
    assert page["Content-Language"] == "fr"
    assert other_method.status_code == 405  # django-ninja's answer, not the shortcut's
