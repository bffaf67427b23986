"""``/api/v1/requests``: an organisation's key files requests with the forms' rules and reads
only its own organisation's requests; an operator key reads the operator's queue. Errors are
JSON naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from garde.accounts.models import Organisation, User
from garde.api.choices import ApiScope
from garde.api.services import api_key_issue
from garde.core.deadlines import PARIS
from garde.core.models import AuditEvent
from garde.requests import services
from garde.requests.choices import Channel, Queue, RequesterRelation, RequestKind, Right
from garde.requests.models import Request

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
Capture = Callable[..., Any]


def key_for(organisation: Organisation, actor: User, *scopes: str) -> dict[str, str]:
    _key, secret = api_key_issue(
        organisation=organisation, name="CRM", scopes=list(scopes), actor=actor
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def acme_admin(make_user: Callable[..., User]) -> User:
    return make_user("org_admin", email="admin@acme.example")


@pytest.fixture
def acme_key(client_org: Organisation, acme_admin: User) -> dict[str, str]:
    return key_for(client_org, acme_admin, ApiScope.REQUESTS_READ, ApiScope.REQUESTS_WRITE)


def rights_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "rights",
        "requester_name": "Jean Dupont",
        "requester_email": "jean@acme.example",
        "requester_relation": "client_user",
        "description": "Je veux une copie de mes données.",
        "rights": ["access"],
        "services": "messagerie",
    }
    body.update(overrides)
    return body


def post(client: Client, body: dict[str, Any], headers: dict[str, str]) -> Any:
    with time_machine.travel(NOW, tick=False):
        return client.post(URL, body, content_type="application/json", **headers)


def submit(requester: User | None, **overrides: Any) -> Request:
    fields: dict[str, Any] = {
        "kind": RequestKind.RIGHTS,
        "channel": Channel.PORTAL,
        "requester_name": "X",
        "requester_email": "x@example.org",
        "requester_relation": RequesterRelation.CLIENT_USER,
        "description": "x",
        "rights": [Right.ACCESS],
        "requester": requester,
    }
    fields.update(overrides)
    request, _token = services.request_submit(**fields)
    return request


# --- authentication and scopes -----------------------------------------------------------------


def test_no_key_is_a_401(client: Client) -> None:
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/DR-2026-000001").status_code == 401
    response = post(client, rights_body(), {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert not Request.objects.exists()


def test_a_key_without_the_scope_is_a_403(
    client: Client, client_org: Organisation, acme_admin: User
) -> None:
    read_only = key_for(client_org, acme_admin, ApiScope.REQUESTS_READ)
    audit_only = key_for(client_org, acme_admin, ApiScope.AUDIT_READ)
    response = post(client, rights_body(), read_only)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "insufficient_scope",
        "field": "Authorization",
        "message": "Cette clé n'a pas la portée « requests:write ».",
    }
    assert client.get(URL, **audit_only).status_code == 403
    assert not Request.objects.exists()


# --- creating ----------------------------------------------------------------------------------


def test_a_client_key_files_a_request_for_its_organisation(
    client: Client,
    acme_key: dict[str, str],
    client_org: Organisation,
    acme_admin: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, rights_body(), acme_key)
    # then
    assert response.status_code == 201
    created = Request.objects.get()
    body = response.json()
    assert body["reference"] == created.reference == f"DR-2026-{created.pk:06d}"
    assert (body["status"], body["channel"], body["queue"]) == ("received", "api", "organisation")
    assert body["due_date"] == body["effective_due_date"] == "2026-04-02"
    assert (created.organisation, created.channel, created.queue) == (
        client_org,
        Channel.API,
        Queue.ORGANISATION,
    )
    assert created.email_confirmed_at is not None
    assert created.follow_token_hash == ""
    assert AuditEvent.objects.get(action="requests.submitted").details == {
        "kind": "rights",
        "channel": "api",
        "queue": "organisation",
        "relation": "client_user",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@acme.example", "jean@acme.example"]


def test_an_assistance_request_goes_to_the_operator(
    client: Client, acme_key: dict[str, str], client_org: Organisation
) -> None:
    response = post(
        client,
        rights_body(kind="assistance", client_due_date="2026-03-20", services="hébergement"),
        acme_key,
    )
    assert response.status_code == 201
    created = Request.objects.get()
    assert (created.kind, created.queue, created.organisation) == (
        RequestKind.ASSISTANCE,
        Queue.OPERATOR,
        client_org,
    )
    assert created.client_due_date == date(2026, 3, 20)


def test_a_pia_request_without_description_gets_the_forms_default(
    client: Client, acme_key: dict[str, str]
) -> None:
    response = post(
        client, rights_body(kind="pia", rights=[], description="", services="hébergement"), acme_key
    )
    assert response.status_code == 201
    assert Request.objects.get().description == (
        "Informations pour une étude d'impact sur : hébergement"
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "complaint"}, "kind"),
        ({"rights": []}, "rights"),
        ({"rights": ["teleportation"]}, "rights.0"),
        ({"description": "   "}, "description"),
        ({"requester_name": ""}, "requester_name"),
        ({"requester_email": "not-an-address"}, "requester_email"),
        ({"requester_relation": "friend"}, "requester_relation"),
        ({"kind": "pia", "rights": [], "services": ""}, "services"),
        ({"kind": "assistance", "client_due_date": None}, "client_due_date"),
        (
            {"kind": "breach_report", "breach_occurred_at": "2030-01-01T00:00:00+01:00"},
            "breach_occurred_at",
        ),
        ({"language": "de"}, "language"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(
    client: Client, acme_key: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    events = AuditEvent.objects.exclude(action__startswith="api.").count()
    response = post(client, rights_body(**overrides), acme_key)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not Request.objects.exists()
    assert AuditEvent.objects.exclude(action__startswith="api.").count() == events


def test_a_body_that_is_not_json_is_a_400(client: Client, acme_key: dict[str, str]) -> None:
    response = client.post(URL, "kind=rights", content_type="application/json", **acme_key)
    assert response.status_code == 400
    assert not Request.objects.exists()


# --- reading -----------------------------------------------------------------------------------


@pytest.fixture
def mixed(
    make_user: Callable[..., User],
    acme_admin: User,
    other_client_org: Organisation,
    operator: Organisation,
) -> dict[str, Request]:
    """Acme's queue (a member's request), Acme's PIA request to the operator, a member's own
    request to the operator, another organisation's request, and a public one."""
    member = make_user("member")
    with time_machine.travel(NOW, tick=False):
        made = {
            "acme_queue": submit(member),
            "acme_pia": submit(acme_admin, kind=RequestKind.PIA, rights=[], services="hébergement"),
            "member_private": submit(member, requester_relation=RequesterRelation.OPERATOR_DATA),
            "boreal": submit(make_user("member", organisation=other_client_org)),
        }
        public, token = services.request_submit(
            kind=RequestKind.RIGHTS,
            channel=Channel.PUBLIC_FORM,
            requester_name="P",
            requester_email="p@example.org",
            requester_relation=RequesterRelation.OPERATOR_DATA,
            description="x",
            rights=[Right.ERASURE],
        )
        services.request_confirm_email(token=token or "")
    made["public"] = public
    return made


def test_a_client_key_reads_only_its_organisations_requests(
    client: Client, acme_key: dict[str, str], mixed: dict[str, Request]
) -> None:
    # when
    response = client.get(URL, **acme_key)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert sorted(item["reference"] for item in body["items"]) == sorted(
        [mixed["acme_queue"].reference, mixed["acme_pia"].reference]
    )


@pytest.mark.parametrize("other", ["boreal", "member_private", "public"])
def test_another_organisations_request_is_a_404(
    client: Client, acme_key: dict[str, str], mixed: dict[str, Request], other: str
) -> None:
    response = client.get(f"{URL}/{mixed[other].reference}", **acme_key)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_request_by_reference(
    client: Client, acme_key: dict[str, str], mixed: dict[str, Request]
) -> None:
    response = client.get(f"{URL}/{mixed['acme_pia'].reference}", **acme_key)
    assert response.status_code == 200
    assert response.json()["kind"] == "pia"
    assert response.json()["services"] == "hébergement"


def test_the_other_organisations_key_never_sees_acme(
    client: Client,
    mixed: dict[str, Request],
    other_client_org: Organisation,
    make_user: Callable[..., User],
) -> None:
    boreal_key = key_for(
        other_client_org,
        make_user("org_admin", organisation=other_client_org),
        ApiScope.REQUESTS_READ,
    )
    body = client.get(URL, **boreal_key).json()
    assert [item["reference"] for item in body["items"]] == [mixed["boreal"].reference]
    assert client.get(f"{URL}/{mixed['acme_queue'].reference}", **boreal_key).status_code == 404


def test_an_operator_key_reads_the_operator_queue(
    client: Client,
    mixed: dict[str, Request],
    operator: Organisation,
    make_user: Callable[..., User],
) -> None:
    operator_key = key_for(
        operator, make_user("dpo"), ApiScope.REQUESTS_READ, ApiScope.REQUESTS_WRITE
    )
    body = client.get(URL, **operator_key).json()
    assert sorted(item["reference"] for item in body["items"]) == sorted(
        mixed[k].reference for k in ("acme_pia", "member_private", "public")
    )
    filed = post(client, rights_body(requester_relation="operator_data"), operator_key)
    assert filed.status_code == 201
    created = Request.objects.get(reference=filed.json()["reference"])
    assert (created.queue, created.organisation) == (Queue.OPERATOR, None)


def test_the_list_is_paginated_and_filtered(
    client: Client,
    acme_key: dict[str, str],
    mixed: dict[str, Request],
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        first = client.get(URL, {"limit": 1, "offset": 0}, **acme_key).json()
    second = client.get(URL, {"limit": 1, "offset": 1}, **acme_key).json()
    only_pia = client.get(URL, {"kind": "pia"}, **acme_key).json()
    assert (first["count"], first["limit"], first["offset"]) == (2, 1, 0)
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["reference"] != second["items"][0]["reference"]
    assert [i["reference"] for i in only_pia["items"]] == [mixed["acme_pia"].reference]
    assert client.get(URL, {"limit": 0}, **acme_key).json()["error"]["field"] == "query.limit"


def test_the_routes_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/requests", "/api/v1/requests/{reference}"} <= set(paths)


@pytest.mark.parametrize("relation", ["client_user", "operator_data", "client_data_subject"])
def test_a_client_key_reads_back_every_request_it_filed(
    client: Client, acme_key: dict[str, str], relation: str
) -> None:
    created = post(client, rights_body(requester_relation=relation), acme_key)
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert client.get(f"{URL}/{reference}", **acme_key).status_code == 200
    listed = client.get(URL, **acme_key).json()
    assert [item["reference"] for item in listed["items"]] == [reference]
