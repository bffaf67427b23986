"""Consent API routes, called by ``garde-consent.js`` from the operator's other websites:
public (no key), CSRF-exempt (no cookie authentication), and open to any origin (CORS).

Every answer, errors included, is built here with its CORS headers, so the banner can read
why a write was refused. Errors keep the API's shape: ``{"error": {"code", "field",
"message"}}``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal, TypeVar

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from garde.consent.errors import ConsentBodyTooLargeError, ConsentInvalidError
from garde.consent.models import VISITOR_MAX, ConsentRecord
from garde.consent.selectors import (
    consent_config_etag,
    consent_config_get,
    consent_history_for_visitor,
    consent_site_get_published,
)
from garde.consent.services import VISITOR_RE, consent_record_create
from garde.core.errors import GardeError

router = Router(tags=["consent"])
SchemaT = TypeVar("SchemaT", bound=Schema)

BODY_MAX_BYTES = 4096
CONFIG_MAX_AGE = 300
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)

    site: str = Field(max_length=50)
    version: int = Field(ge=1)
    visitor: str = Field(max_length=VISITOR_MAX)
    choices: dict[str, bool]
    method: Literal["accept_all", "refuse_all", "preferences", "gpc", "withdraw"]
    language: Literal["fr", "en"]


class ConsentRecordOut(Schema):
    id: int
    version: int
    choices: dict[str, bool]
    method: str
    language: str
    text_version: str
    recorded_at: datetime


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json",
    )
    for name, value in {**CORS_HEADERS, **(headers or {})}.items():
        response[name] = value
    return response


def _error(error: GardeError) -> HttpResponse:
    return _json(error.status, {"error": error.as_dict()})


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def read_json_body(request: HttpRequest, schema: type[SchemaT]) -> SchemaT:
    """The body as ``schema``, JSON whatever its content type: refused with 413 past 4 KB
    (before parsing) and with 400 naming the field. Shared by the consent and statistics
    endpoints, which answer the operator's other websites the same way."""
    too_large = ConsentBodyTooLargeError(
        _("Le corps de la requête dépasse %(limit)d octets.") % {"limit": BODY_MAX_BYTES},
        field="body",
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > BODY_MAX_BYTES:
        raise too_large
    raw = request.read(BODY_MAX_BYTES + 1)
    if len(raw) > BODY_MAX_BYTES:
        raise too_large
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ConsentInvalidError(
            _("Le corps de la requête doit être un objet JSON en UTF-8."), field="body"
        ) from None
    if not isinstance(data, dict):
        raise ConsentInvalidError(
            _("Le corps de la requête doit être un objet JSON."), field="body"
        )
    try:
        return schema.model_validate(data)
    except PydanticValidationError as error:
        first = error.errors()[0]
        location = first.get("loc") or ("body",)
        raise ConsentInvalidError(str(first.get("msg", "")), field=str(location[0])) from None


def _record_out(record: ConsentRecord) -> dict[str, Any]:
    return ConsentRecordOut.from_orm(record).model_dump(mode="json")


@router.api_operation(
    ["POST"],
    "/consent",
    auth=None,
    summary="Record a visitor's cookie choice (proof of consent)",
    description="Public, any origin. Body (at most 4096 bytes, else 413): site, version (the "
    "published one or an older published one), visitor (22 to 64 characters [A-Za-z0-9_-], "
    "random, from the consent cookie), choices (each optional purpose: true or false; a "
    "purpose left out is stored as refused), method (accept_all, refuse_all, preferences, "
    "gpc, withdraw) and language (fr, en). 201 with the record's id and time; 400 naming the "
    "field at fault, 404 for an unknown site; nothing is stored then. No IP address or user "
    "agent is stored.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ConsentIn.model_json_schema()}},
        },
        "responses": {
            "201": {"description": "Recorded"},
            "400": {"description": "Malformed"},
            "404": {"description": "Unknown site"},
            "413": {"description": "Body over 4096 bytes"},
        },
    },
)
def record_consent(request: HttpRequest) -> HttpResponse:
    try:
        body = read_json_body(request, ConsentIn)
        record = consent_record_create(
            site_key=body.site,
            version=body.version,
            visitor=body.visitor,
            choices=body.choices,
            method=body.method,
            language=body.language,
        )
    except GardeError as error:
        return _error(error)
    return _json(201, {"id": record.id, "recorded_at": record.recorded_at.isoformat()})


@router.api_operation(["OPTIONS"], "/consent", auth=None, include_in_schema=False)
def record_consent_preflight(request: HttpRequest) -> HttpResponse:
    return _preflight()


@router.api_operation(
    ["GET"],
    "/consent/config/{site}",
    auth=None,
    summary="The banner configuration of a site",
    description="Public, any origin, cacheable for 5 minutes; an ETag (version and hash) "
    "answers If-None-Match with 304. 404 for an unknown or unpublished site.",
)
def get_consent_config(request: HttpRequest, site: str) -> HttpResponse:
    try:
        consent_site = consent_site_get_published(site_key=site)
    except GardeError as error:
        return _error(error)
    config = consent_config_get(site=consent_site)
    etag = consent_config_etag(config)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={CONFIG_MAX_AGE}"}
    candidates = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
    if etag in candidates or "*" in candidates:
        response = _preflight()
        response.status_code = 304
        for name, value in headers.items():
            response[name] = value
        return response
    return _json(200, config, headers)


@router.api_operation(["OPTIONS"], "/consent/config/{site}", auth=None, include_in_schema=False)
def get_consent_config_preflight(request: HttpRequest, site: str) -> HttpResponse:
    return _preflight()


@router.api_operation(
    ["GET"],
    "/consent/history/{site}/{visitor}",
    auth=None,
    summary="A visitor's own consent history on a site",
    description="Public, any origin: the visitor id (random, from the consent cookie) is the "
    "bearer. Records oldest first; 400 for an ill-formed visitor id, 404 for an unknown site.",
)
def get_consent_history(request: HttpRequest, site: str, visitor: str) -> HttpResponse:
    try:
        consent_site = consent_site_get_published(site_key=site)
        if not VISITOR_RE.match(visitor):
            raise ConsentInvalidError(
                _("L'identifiant de visiteur doit compter de 22 à 64 caractères [A-Za-z0-9_-]."),
                field="visitor",
            )
    except GardeError as error:
        return _error(error)
    records = consent_history_for_visitor(site=consent_site, visitor=visitor)
    return _json(
        200,
        {"records": [_record_out(record) for record in records]},
        {"Cache-Control": "no-store"},
    )


@router.api_operation(
    ["OPTIONS"], "/consent/history/{site}/{visitor}", auth=None, include_in_schema=False
)
def get_consent_history_preflight(request: HttpRequest, site: str, visitor: str) -> HttpResponse:
    return _preflight()
