"""Shared fixtures: one user per role, and a test client logged in as a role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils import translation

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation, User
from garde.accounts.services import SESSION_MFA_KEY
from garde.core.roles import ALL_ROLES, STAFF_ROLES
from tests.accounts.factories import OrganisationFactory, UserFactory

ROLES = sorted(ALL_ROLES)
ANONYMOUS = "anonymous"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: object) -> None:
    # Tests render templates without running collectstatic.
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _reset_language() -> Iterator[None]:
    """A request under /en/ leaves English active for the thread (LocaleMiddleware); the next
    test must start in the default language, whatever the order."""
    yield
    translation.deactivate()


@pytest.fixture
def operator(db: None) -> Organisation:
    return OrganisationFactory(name="inherent", kind=OrganisationKind.OPERATOR)


@pytest.fixture
def client_org(db: None) -> Organisation:
    return OrganisationFactory(name="Acme Industries", kind=OrganisationKind.CLIENT)


@pytest.fixture
def other_client_org(db: None) -> Organisation:
    return OrganisationFactory(name="Boréal Santé", kind=OrganisationKind.CLIENT)


@pytest.fixture
def make_user(operator: Organisation, client_org: Organisation) -> Callable[..., User]:
    """``make_user(role, organisation=None, **fields)``: staff roles go to the operator, client
    roles to Acme unless another organisation is given."""

    def make(role: str, organisation: Organisation | None = None, **fields: object) -> User:
        if organisation is None:
            organisation = operator if role in STAFF_ROLES else client_org
        return UserFactory(roles=[role], roles__organisation=organisation, **fields)

    return make


def log_in(client: Client, user: User, *, mfa: bool = True) -> Client:
    """Log ``user`` in; ``mfa`` marks the session as having passed the second factor."""
    client.force_login(user)
    session = client.session
    session[SESSION_MFA_KEY] = mfa
    session.save()
    return client


@pytest.fixture
def client_as(client: Client, make_user: Callable[..., User]) -> Callable[[str], Client]:
    def as_role(role: str) -> Client:
        if role != ANONYMOUS:
            log_in(client, make_user(role))
        return client

    return as_role
