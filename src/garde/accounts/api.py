"""Accounts API routes."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from garde.accounts.selectors import organisation_member_list
from garde.api.auth import api_key
from garde.api.choices import ApiScope

router = Router(tags=["accounts"])


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    roles: list[str]


class WhoAmIOut(Schema):
    organisation: str
    key_name: str
    scopes: list[str]


@router.get(
    "/whoami",
    response=WhoAmIOut,
    auth=api_key(None),
    summary="The organisation and scopes of the calling key",
)
def get_whoami(request: HttpRequest) -> dict[str, object]:
    key = request.api_key  # type: ignore[attr-defined]
    return {"organisation": key.organisation.name, "key_name": key.name, "scopes": key.scopes}


@router.get(
    "/organisation/members",
    response=list[MemberOut],
    auth=api_key(ApiScope.ACCOUNTS_READ),
    summary="Users of the key's organisation",
)
def list_organisation_members(request: HttpRequest) -> list[dict[str, object]]:
    key = request.api_key  # type: ignore[attr-defined]
    return organisation_member_list(organisation=key.organisation)
