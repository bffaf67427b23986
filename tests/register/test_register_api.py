"""``GET /api/v1/register``: the latest published register, for operator keys only (R-26)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from garde.accounts.models import User
from garde.api.choices import ApiScope
from garde.api.services import api_key_issue, service_account_key_issue
from garde.core.models import AuditEvent
from garde.register.services.publishing import register_publish
from tests.register.console_factories import ProcessingActivityFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/register"


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def operator_secret(make_user: Callable[..., User]) -> str:
    _key, secret = service_account_key_issue(
        name="Register sync", scopes=[ApiScope.REGISTER_READ], actor=make_user("dpo")
    )
    return secret


def test_r26_an_operator_key_reads_the_latest_published_version(
    client: Client, operator_secret: str
) -> None:
    # given
    ProcessingActivityFactory(slug="prospects", name_fr="Prospection")
    register_publish(actor=None, note="first")
    ProcessingActivityFactory(slug="newsletter", name_fr="Newsletter")
    latest = register_publish(actor=None, note="second")
    # when
    response = client.get(URL, **bearer(operator_secret))
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"number", "published_at", "snapshot"}
    assert body["number"] == 2
    assert body["snapshot"] == latest.snapshot
    assert [a["slug"] for a in body["snapshot"]["activities"]] == ["newsletter", "prospects"]


def test_without_a_key_the_register_is_refused_with_401(client: Client) -> None:
    register_publish(actor=None)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_client_organisations_key_is_refused_with_403_even_with_the_scope(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    register_publish(actor=None)
    admin = make_user("org_admin")
    _key, secret = api_key_issue(
        organisation=admin.memberships.get().organisation,
        name="Curious",
        scopes=[ApiScope.REGISTER_READ],
        actor=admin,
    )
    # when
    response = client.get(URL, **bearer(secret))
    # then
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "forbidden",
            "field": "Authorization",
            "message": "Le registre des traitements n'est lisible qu'avec une clé de l'opérateur.",
        }
    }
    assert "snapshot" not in response.content.decode()


def test_an_operator_key_without_the_scope_is_refused_with_403(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    register_publish(actor=None)
    _key, secret = service_account_key_issue(
        name="Audit export", scopes=[ApiScope.AUDIT_READ], actor=make_user("dpo")
    )
    # when
    response = client.get(URL, **bearer(secret))
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert AuditEvent.objects.get(action="api.key_refused").details["missing_scope"] == (
        "register:read"
    )


def test_before_any_publication_the_register_is_a_json_404(
    client: Client, operator_secret: str
) -> None:
    response = client.get(URL, **bearer(operator_secret))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_register_route_is_documented_in_openapi(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/register"]["get"]
    assert operation["tags"] == ["register"]
