"""``/api/v1/connlogs`` (issue 6, items 2 and 6): NDJSON ingest with scope ``connlogs:write``;
the audited query with scope ``connlogs:read``, a sysadmin service account and a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.api.choices import ApiScope
from garde.api.models import ApiKey
from garde.api.services import api_key_issue, service_account_key_issue
from garde.connlogs.models import Entry, Segment
from garde.core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import log_in
from tests.connlogs.test_query import entries_add, event

pytestmark = pytest.mark.django_db(databases=["default", "connlogs"])
URL = "/api/v1/connlogs"
NDJSON = "application/x-ndjson"


@pytest.fixture
def issuer(make_user: Callable[..., User]) -> User:
    return make_user("dpo", email="dpo@inherent.example")


def service_key(
    issuer: User, operator: Organisation, *scopes: str, role: str | None = "sysadmin"
) -> str:
    """An operator key whose service account holds ``role`` (or no role)."""
    account = UserFactory(
        roles=[role] if role else [], roles__organisation=operator, is_service_account=True
    )
    _key, secret = api_key_issue(
        organisation=operator,
        name="collector",
        scopes=list(scopes),
        actor=issuer,
        service_account=account,
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def line(**fields: object) -> str:
    return json.dumps({"ts": "2025-03-01T08:00:00Z", "service": "sshd", "event": "login", **fields})


def post(client: Client, body: str | bytes, secret: str) -> Any:
    return client.post(URL, data=body, content_type=NDJSON, **bearer(secret))


# --- ingest ---


def test_ingest_answers_counts_rejects_and_range_and_the_rows_are_stored(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE, role=None)
    body = "\n".join(
        [
            line(account="alice", ip="192.0.2.1", port=2222, extra="kept"),
            "{not json",
            "",
            line(account="bob", ip="2001:DB8:0::1"),
            line(ip="999.1.1.1"),
        ]
    )
    # when
    response = post(client, body + "\r\n", secret)
    # then
    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted"] == 2
    assert [reject["line"] for reject in answer["rejected"]] == [2, 5]
    assert all(reject["reason"] for reject in answer["rejected"])
    assert (answer["first_seq"], answer["last_seq"]) == (1, 2)
    rows = list(Entry.objects.order_by("seq").values_list("seq", "account", "ip", "port"))
    assert rows == [(1, "alice", "192.0.2.1", 2222), (2, "bob", "2001:db8::1", None)]
    assert '"extra": "kept"' in Entry.objects.get(seq=1).raw


def test_ingest_continues_the_sequence(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE)
    post(client, line() + "\n" + line(), secret)
    # when
    answer = post(client, line(), secret).json()
    # then
    assert (answer["accepted"], answer["first_seq"], answer["last_seq"]) == (1, 3, 3)


def test_ingest_of_only_bad_lines_stores_nothing(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE)
    # when
    response = post(client, '{"ts": "yesterday"}\n', secret)
    # then
    assert response.status_code == 200
    answer = response.json()
    assert (answer["accepted"], answer["first_seq"], answer["last_seq"]) == (0, None, None)
    assert [reject["line"] for reject in answer["rejected"]] == [1]
    assert not Entry.objects.exists()


def test_ingest_without_the_write_scope_is_refused_with_403_and_stores_nothing(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_READ)
    # when
    response = post(client, line(), secret)
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert not Entry.objects.exists()
    assert not Segment.objects.exists()


def test_ingest_with_a_client_organisation_key_is_refused_with_403(
    client: Client, make_user: Callable[..., User], client_org: Organisation
) -> None:
    # given: a client's org_admin issued a key with the scope
    admin = make_user("org_admin")
    _key, secret = api_key_issue(
        organisation=client_org, name="x", scopes=[ApiScope.CONNLOGS_WRITE], actor=admin
    )
    # when
    response = post(client, line(), secret)
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "connlogs_forbidden"
    assert not Entry.objects.exists()


def test_ingest_without_a_key_is_refused_with_401(client: Client) -> None:
    response = client.post(URL, data=line(), content_type=NDJSON)
    assert response.status_code == 401
    assert not Entry.objects.exists()


def test_a_body_over_the_limit_is_refused_with_413_json_and_nothing_is_stored(
    client: Client, issuer: User, operator: Organisation, settings: Any
) -> None:
    # given
    settings.GARDE_CONNLOGS_API_MAX_BYTES = 200
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE)
    body = "\n".join([line(account=f"user{i}") for i in range(3)])
    assert len(body.encode()) > 200
    # when
    response = post(client, body, secret)
    # then
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "payload_too_large",
            "field": "body",
            "message": "Le corps de la requête dépasse 200 octets : envoyez moins de lignes "
            "par requête.",
        }
    }
    assert not Entry.objects.exists()


def test_a_body_at_the_limit_is_accepted(
    client: Client, issuer: User, operator: Organisation, settings: Any
) -> None:
    # given
    body = line(account="alice")
    settings.GARDE_CONNLOGS_API_MAX_BYTES = len(body.encode())
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE)
    # when
    response = post(client, body, secret)
    # then
    assert response.status_code == 200
    assert Entry.objects.count() == 1


def test_a_body_that_is_not_utf8_is_refused_with_400(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE)
    # when
    body = '{"ts": "2025-03-01T08:00:00Z", "service": "sshd", "event": "login", "account": "café"}'
    response = post(client, body.encode("latin-1"), secret)
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_encoding", "body")
    assert not Entry.objects.exists()


# --- query ---


def test_a_sysadmin_key_queries_with_a_reason_and_the_query_is_audited(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    alice, _bob = entries_add(
        event(account="alice", ip="10.1.2.3"), event(account="bob", ip="10.2.0.1")
    )
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_READ)
    # when
    response = client.get(
        URL,
        {"reason": "Réquisition PJ-9", "ip": "10.1.0.0/16", "from": "2025-03-01T00:00:00"},
        **bearer(secret),
    )
    # then
    assert response.status_code == 200
    answer = response.json()
    assert (answer["total"], answer["limit"], answer["offset"]) == (1, 100, 0)
    (entry,) = answer["entries"]
    assert entry["seq"] == alice
    assert (entry["account"], entry["ip"], entry["segment_day"]) == (
        "alice",
        "10.1.2.3",
        "2025-03-01",
    )
    audit = AuditEvent.objects.get(action="connlogs.queried")
    assert audit.actor.is_service_account  # type: ignore[union-attr]
    assert audit.details["reason"] == "Réquisition PJ-9"
    assert audit.details["filter"] == {
        "account": None,
        "ip": "10.1.0.0/16",
        "from": "2025-03-01T00:00:00+00:00",
        "to": None,
    }
    assert audit.details["rows"] == 1
    assert audit.details["channel"] == "api"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_query_without_a_reason_is_refused_with_400_naming_the_field(
    reason: str | None, client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    entries_add(event())
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_READ)
    params = {"account": "alice"} | ({} if reason is None else {"reason": reason})
    # when
    response = client.get(URL, params, **bearer(secret))
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("error", "reason")
    assert not AuditEvent.objects.filter(action="connlogs.queried").exists()


def test_an_invalid_period_names_the_query_parameter(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_READ)
    # when
    response = client.get(
        URL,
        {"reason": "R", "from": "2025-03-02T00:00:00Z", "to": "2025-03-01T00:00:00Z"},
        **bearer(secret),
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "to"


def test_a_query_without_the_read_scope_is_refused_with_403(
    client: Client, issuer: User, operator: Organisation
) -> None:
    # given: a sysadmin service account, but a write-only key
    secret = service_key(issuer, operator, ApiScope.CONNLOGS_WRITE)
    # when
    response = client.get(URL, {"reason": "R"}, **bearer(secret))
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert not AuditEvent.objects.filter(action="connlogs.queried").exists()


# --- keys that read: issued by administrators only ---


def test_a_key_issued_by_a_sysadmin_in_the_console_reads_the_logs(
    client: Client, make_user: Callable[..., User], operator: Organisation
) -> None:
    # given: an administrator issues a read key from the console
    entries_add(event(account="alice", ip="10.1.2.3"))
    administrator = make_user("sysadmin", email="root@inherent.example")
    log_in(client, administrator)
    created = client.post(
        reverse("api:console_keys"), {"name": "SIEM", "scopes": [ApiScope.CONNLOGS_READ]}
    )
    secret = created.context["issued"]
    client.logout()
    # when
    response = client.get(URL, {"reason": "Enquête incident 42"}, **bearer(secret))
    # then
    assert response.status_code == 200
    assert response.json()["total"] == 1
    key = ApiKey.objects.get(name="SIEM")
    assert key.service_account is not None
    grant = AuditEvent.objects.get(
        action="accounts.role_granted", object_id=str(key.service_account.pk)
    )
    assert (grant.actor, grant.details) == (administrator, {"role": "sysadmin"})


def test_the_dpo_cannot_issue_a_key_that_reads_the_logs(
    client: Client, make_user: Callable[..., User], operator: Organisation
) -> None:
    # given
    log_in(client, make_user("dpo", email="dpo2@inherent.example"))
    users_before = User.objects.count()
    # when
    response = client.post(
        reverse("api:console_keys"), {"name": "Export", "scopes": [ApiScope.CONNLOGS_READ]}
    )
    # then
    assert response.status_code == 400
    assert "administrateur système" in response.content.decode()
    assert not ApiKey.objects.filter(name="Export").exists()
    assert User.objects.count() == users_before


def test_a_write_only_key_gets_no_role(
    make_user: Callable[..., User], operator: Organisation
) -> None:
    # when
    key, _secret = service_account_key_issue(
        name="collector", scopes=[ApiScope.CONNLOGS_WRITE], actor=make_user("dpo")
    )
    # then
    assert key.service_account is not None
    assert not key.service_account.memberships.exists()
