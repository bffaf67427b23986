"""API keys: shown once, stored hashed, scoped, revocable, every use audited; errors are JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.api.choices import ApiScope
from garde.api.models import ApiKey
from garde.api.services import api_key_issue, api_key_revoke
from garde.core.models import AuditEvent
from garde.core.services import audit_record
from tests.conftest import log_in

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/audit/events"


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("org_admin")


def issue(admin: User, *scopes: str) -> tuple[ApiKey, str]:
    organisation = admin.memberships.get().organisation
    return api_key_issue(
        organisation=organisation, name="CRM sync", scopes=list(scopes), actor=admin
    )


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_no_key_is_refused_with_401_json(client: Client) -> None:
    response = client.get(EVENTS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.json()["error"]["field"] == "Authorization"


def test_a_revoked_key_is_refused_with_401(client: Client, admin: User) -> None:
    key, secret = issue(admin, ApiScope.AUDIT_READ)
    api_key_revoke(key=key, actor=admin)
    response = client.get(EVENTS, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_forged_secret_with_a_real_prefix_is_refused(client: Client, admin: User) -> None:
    key, _secret = issue(admin, ApiScope.AUDIT_READ)
    response = client.get(EVENTS, **bearer(f"gk_{key.prefix}_{'A' * 43}"))
    assert response.status_code == 401


def test_a_key_without_the_scope_is_refused_with_403_and_audited(
    client: Client, admin: User
) -> None:
    # given
    _key, secret = issue(admin, ApiScope.ACCOUNTS_READ)
    # when
    response = client.get(EVENTS, **bearer(secret))
    # then
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "insufficient_scope",
        "field": "Authorization",
        "message": "Cette clé n'a pas la portée « audit:read ».",
    }
    refused = AuditEvent.objects.get(action="api.key_refused")
    assert refused.details["missing_scope"] == "audit:read"
    assert not AuditEvent.objects.filter(action="api.key_used").exists()


def test_a_scoped_key_reads_only_its_organisation_and_each_use_is_audited(
    client: Client, admin: User, make_user: Callable[..., User], other_client_org: Organisation
) -> None:
    # given
    key, secret = issue(admin, ApiScope.AUDIT_READ)
    audit_record(action="acme.event", actor=make_user("member"))
    audit_record(action="boreal.event", actor=make_user("member", organisation=other_client_org))
    # when
    response = client.get(EVENTS, {"action": "acme."}, **bearer(secret))
    client.get(EVENTS, {"action": "boreal."}, **bearer(secret))
    # then
    assert response.status_code == 200
    assert [e["action"] for e in response.json()] == ["acme.event"]
    boreal = client.get(EVENTS, {"action": "boreal."}, **bearer(secret)).json()
    assert boreal == []
    assert AuditEvent.objects.filter(action="api.key_used", object_id=str(key.pk)).count() == 3
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_the_secret_is_stored_only_as_a_hash(admin: User) -> None:
    key, secret = issue(admin, ApiScope.AUDIT_READ)
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(secret.split("_", 2)[2] not in str(value) for value in stored.values())


def test_invalid_query_gives_400_naming_the_field(client: Client, admin: User) -> None:
    _key, secret = issue(admin, ApiScope.AUDIT_READ)
    response = client.get(EVENTS, {"limit": 5000}, **bearer(secret))
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "query.limit"


def test_members_endpoint_lists_the_organisation_users_with_two_queries_per_call(
    client: Client,
    admin: User,
    make_user: Callable[..., User],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    _key, secret = issue(admin, ApiScope.ACCOUNTS_READ)
    for _ in range(5):
        make_user("member")
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get("/api/v1/organisation/members", **bearer(secret))
    assert len(response.json()) == 6
    assert {tuple(m["roles"]) for m in response.json()} == {("org_admin",), ("member",)}


@pytest.mark.django_db(databases=["default", "connlogs"])
def test_health_and_openapi_are_public(client: Client) -> None:
    health = client.get("/api/v1/health")
    assert health.json()["databases"] == {"default": "ok", "connlogs": "ok"}
    document = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/audit/events", "/api/v1/whoami"} <= set(document["paths"])


def test_org_admin_issues_a_key_shown_once_and_revokes_it(client: Client, admin: User) -> None:
    # given
    log_in(client, admin)
    # when
    created = client.post(
        reverse("api:portal_keys"), {"name": "ERP", "scopes": [ApiScope.AUDIT_READ]}
    )
    secret = created.context["issued"]
    listing = client.get(reverse("api:portal_keys")).content.decode()
    key = ApiKey.objects.get(name="ERP")
    client.post(reverse("api:portal_key_revoke", kwargs={"key_id": key.pk}))
    # then
    assert secret.startswith(f"gk_{key.prefix}_")
    assert secret not in listing
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.get(EVENTS, **bearer(secret)).status_code == 401


def test_an_org_admin_cannot_revoke_another_organisations_key(
    client: Client, admin: User, make_user: Callable[..., User], other_client_org: Organisation
) -> None:
    other_admin = make_user("org_admin", organisation=other_client_org)
    key, _secret = issue(other_admin, ApiScope.AUDIT_READ)
    log_in(client, admin)
    response = client.post(reverse("api:portal_key_revoke", kwargs={"key_id": key.pk}))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_key_needs_a_name_and_a_scope(client: Client, admin: User) -> None:
    log_in(client, admin)
    response = client.post(reverse("api:portal_keys"), {"name": "", "scopes": []})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_a_client_cannot_ask_for_the_operators_connection_log_scopes(
    client: Client, admin: User
) -> None:
    # given
    log_in(client, admin)
    # when
    page = client.get(reverse("api:portal_keys")).content.decode()
    refused = client.post(
        reverse("api:portal_keys"), {"name": "Logs", "scopes": [ApiScope.CONNLOGS_WRITE]}
    )
    # then
    assert ApiScope.CONNLOGS_WRITE.value not in page
    assert ApiScope.AUDIT_READ.value in page
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"scopes"}
    assert not ApiKey.objects.exists()


def test_the_console_offers_the_connection_log_scopes_to_operator_keys(
    client: Client, make_user: Callable[..., User], operator: Organisation
) -> None:
    log_in(client, make_user("sysadmin"))
    page = client.get(reverse("api:console_keys")).content.decode()
    assert ApiScope.CONNLOGS_WRITE.value in page
    assert ApiScope.CONNLOGS_READ.value in page


def test_console_issues_service_account_keys(
    client: Client, make_user: Callable[..., User], operator: Organisation
) -> None:
    log_in(client, make_user("sysadmin"))
    created = client.post(
        reverse("api:console_keys"), {"name": "SIEM export", "scopes": [ApiScope.AUDIT_READ]}
    )
    key = ApiKey.objects.get(name="SIEM export")
    assert key.organisation == operator
    assert key.service_account is not None
    assert key.service_account.is_service_account
    whoami = client.get("/api/v1/whoami", **bearer(created.context["issued"])).json()
    assert whoami == {
        "organisation": "inherent",
        "key_name": "SIEM export",
        "scopes": ["audit:read"],
    }


@pytest.mark.django_db(databases=["default", "connlogs"])
def test_health_answers_503_when_a_database_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connections

    def broken() -> object:
        raise OSError("connection refused")

    monkeypatch.setattr(connections["connlogs"], "cursor", broken)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["databases"] == {"default": "ok", "connlogs": "unavailable"}


def test_unknown_api_route_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_swagger_ui_is_served_from_local_static_files(client: Client) -> None:
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn." not in body
