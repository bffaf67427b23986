"""Requests API: an organisation's systems file and follow "RGPD" requests.

A client key reads only its organisation's requests (what its org_admin/org_dpo would see);
an operator key reads the operator's queue. Creating goes through the same service as the
forms, so the same rules apply; errors are JSON naming the field at fault.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from garde.api.auth import api_key
from garde.api.choices import ApiScope
from garde.api.models import ApiKey
from garde.core.errors import NotFoundError
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right
from garde.requests.choices import Status as RequestStatus
from garde.requests.errors import RequestError
from garde.requests.models import Request
from garde.requests.selectors import request_list_for_api_key
from garde.requests.services import request_submit

router = Router(tags=["requests"])

KINDS_NEEDING_SERVICES = (RequestKind.ASSISTANCE, RequestKind.PIA)


class RequestIn(Schema):
    kind: RequestKind
    requester_name: str = Field(..., min_length=1, max_length=150)
    requester_email: str = Field(..., max_length=254)
    requester_relation: RequesterRelation
    description: str = Field("", max_length=10000)
    rights: list[Right] = Field(default_factory=list)
    services: str = Field("", max_length=300)
    client_due_date: date | None = None
    breach_occurred_at: datetime | None = None
    breach_data: str = Field("", max_length=10000)
    language: str = Field("fr", pattern="^(fr|en)$")

    @field_validator("requester_name")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("requester_email")
    @classmethod
    def an_email(cls, value: str) -> str:
        try:
            validate_email(value.strip())
        except DjangoValidationError as error:
            raise ValueError("not a valid e-mail address") from error
        return value.strip()


class RequestOut(Schema):
    reference: str
    kind: str
    status: str
    channel: str
    language: str
    queue: str
    requester_name: str
    requester_email: str
    requester_relation: str
    rights: list[str]
    services: str
    description: str
    client_due_date: date | None
    received_at: datetime
    due_date: date
    extended_due_date: date | None
    effective_due_date: date
    answered_at: datetime | None
    closed_at: datetime | None


class RequestPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RequestOut]


class RequestFilter(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)
    kind: RequestKind | None = None
    status: RequestStatus | None = None


def _key(request: HttpRequest) -> ApiKey:
    return request.api_key  # type: ignore[attr-defined, no-any-return]


@router.post(
    "/requests",
    response={201: RequestOut},
    auth=api_key(ApiScope.REQUESTS_WRITE),
    summary="File a request for the key's organisation",
)
def create_request(request: HttpRequest, payload: RequestIn) -> Status[Request]:
    # The forms' rules that depend on the kind (the service checks rights and description).
    if payload.kind in KINDS_NEEDING_SERVICES and not payload.services.strip():
        raise RequestError(_("Indiquez le ou les services concernés."), field="services")
    if payload.kind == RequestKind.ASSISTANCE and payload.client_due_date is None:
        raise RequestError(
            _("Indiquez la date à laquelle vous devez répondre."), field="client_due_date"
        )
    occurred = payload.breach_occurred_at
    if occurred is not None and timezone.is_naive(occurred):
        occurred = timezone.make_aware(occurred)  # read in Europe/Paris, like the forms
    if occurred is not None and occurred > timezone.now():
        raise RequestError(_("Cette date est dans le futur."), field="breach_occurred_at")
    description = payload.description.strip()
    if payload.kind == RequestKind.PIA and not description:
        description = _("Informations pour une étude d'impact sur : %(services)s") % {
            "services": payload.services.strip()
        }
    key = _key(request)
    created, _token = request_submit(
        kind=payload.kind,
        channel=Channel.API,
        requester_name=payload.requester_name,
        requester_email=payload.requester_email,
        requester_relation=payload.requester_relation,
        description=description,
        rights=[str(r) for r in payload.rights],
        services=payload.services,
        client_due_date=payload.client_due_date,
        breach_occurred_at=occurred,
        breach_data=payload.breach_data,
        language=payload.language,
        entered_by=key.service_account,
        organisation=key.organisation,
    )
    return Status(201, created)


@router.get(
    "/requests",
    response=RequestPage,
    auth=api_key(ApiScope.REQUESTS_READ),
    summary="Requests the key's organisation may read, by due date (limit/offset pages)",
)
def list_requests(request: HttpRequest, filters: Query[RequestFilter]) -> dict[str, Any]:
    requests = request_list_for_api_key(organisation=_key(request).organisation)
    if filters.kind:
        requests = requests.filter(kind=filters.kind)
    if filters.status:
        requests = requests.filter(status=filters.status)
    requests = requests.order_by("due_date", "id")
    return {
        "count": requests.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(requests[filters.offset : filters.offset + filters.limit]),
    }


@router.get(
    "/requests/{reference}",
    response=RequestOut,
    auth=api_key(ApiScope.REQUESTS_READ),
    summary="One request, by reference",
)
def get_request(request: HttpRequest, reference: str) -> Request:
    found = (
        request_list_for_api_key(organisation=_key(request).organisation)
        .filter(reference=reference)
        .first()
    )
    if found is None:
        raise NotFoundError(_("Aucune demande avec cette référence."), field="reference")
    return found
