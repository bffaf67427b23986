"""Acceptance (issue 6): "A non-sysadmin role gets 403 on every connection-log page and API
read" — every other role, on every page and method, through the console and the API; nothing is
read and nothing is audited as a query."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.api.choices import ApiScope
from garde.api.services import api_key_issue
from garde.core.models import AuditEvent
from garde.core.roles import ALL_ROLES, Role
from tests.connlogs.test_api import URL, bearer, service_key
from tests.connlogs.test_query import entries_add, event

pytestmark = pytest.mark.django_db(databases=["default", "connlogs"])
OTHER_ROLES = sorted(ALL_ROLES - {Role.SYSADMIN})
QUERY = {"reason": "Réquisition PJ-1", "account": "alice"}
PAGES = [
    ("get", "connlogs:search"),
    ("post", "connlogs:search"),
    ("get", "connlogs:export"),
    ("post", "connlogs:export"),
]


def no_query_audited() -> bool:
    return not AuditEvent.objects.filter(
        action__in=["connlogs.queried", "connlogs.exported"]
    ).exists()


@pytest.mark.parametrize(("method", "name"), PAGES)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_gets_403_on_every_console_page(
    role: str, method: str, name: str, client_as: Callable[[str], Client]
) -> None:
    # given
    entries_add(event())
    client = client_as(role)
    # when
    response = getattr(client, method)(reverse(name), QUERY)
    # then
    assert response.status_code == 403
    assert no_query_audited()


@pytest.mark.parametrize(("method", "name"), PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(method: str, name: str, client: Client) -> None:
    # when
    response = getattr(client, method)(reverse(name), QUERY)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert no_query_audited()


@pytest.mark.parametrize("role", [*OTHER_ROLES, None])
def test_a_key_whose_service_account_is_not_a_sysadmin_gets_403_on_the_api_read(
    role: str | None, client: Client, make_user: Callable[..., User], operator: Organisation
) -> None:
    # given: the scope, an operator key, but the service account holds another role (or none)
    entries_add(event())
    secret = service_key(make_user("dpo"), operator, ApiScope.CONNLOGS_READ, role=role)
    # when
    response = client.get(URL, QUERY, **bearer(secret))
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "connlogs_forbidden"
    assert no_query_audited()


def test_a_client_key_gets_403_on_the_api_read_even_with_the_scope(
    client: Client, make_user: Callable[..., User], client_org: Organisation
) -> None:
    # given
    _key, secret = api_key_issue(
        organisation=client_org,
        name="x",
        scopes=[ApiScope.CONNLOGS_READ],
        actor=make_user("org_admin"),
    )
    # when
    response = client.get(URL, QUERY, **bearer(secret))
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "connlogs_forbidden"
    assert no_query_audited()


def test_without_a_reason_a_non_sysadmin_still_gets_403_not_400(
    client: Client, make_user: Callable[..., User], operator: Organisation
) -> None:
    # given
    secret = service_key(make_user("dpo"), operator, ApiScope.CONNLOGS_READ, role="dpo")
    # when
    response = client.get(URL, **bearer(secret))
    # then
    assert response.status_code == 403
    assert no_query_audited()
