"""Consent-exempt audience statistics API (``/api/v1/stats/``), called by ``garde-stats.js``
from the operator's websites: public (no key), CSRF-exempt, open to any origin for CORS (the
first-party check is the site's own origin list, not CORS).

The handler never reads a cookie and never sets one, keeps no IP address and no user agent
(only looked at for crawlers), and answers every hit, counted or not, with an empty 204.
Errors keep the API's shape: ``{"error": {"code", "field", "message"}}``.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from garde.consent.api import CORS_HEADERS, read_json_body
from garde.consent.stats_services import stats_hit_record
from garde.core.errors import GardeError

router = Router(tags=["stats"])

PATH_IN_MAX = 2048


class StatsHitIn(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)

    site: str = Field(max_length=50)
    path: str = Field(min_length=1, max_length=PATH_IN_MAX)


def _with_cors(response: HttpResponse) -> HttpResponse:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _error(error: GardeError) -> HttpResponse:
    return _with_cors(
        HttpResponse(
            json.dumps({"error": error.as_dict()}, ensure_ascii=False),
            status=error.status,
            content_type="application/json",
        )
    )


def _read_hit(request: HttpRequest) -> StatsHitIn:
    """The body, JSON whatever its content type (``navigator.sendBeacon`` and a CORS-simple
    ``fetch`` send ``text/plain``): 413 past 4 KB before parsing, 400 naming the field."""
    return read_json_body(request, StatsHitIn)


def _page_origin(request: HttpRequest) -> str | None:
    """The origin of the page that sent the hit: ``Origin``, else the ``Referer``'s scheme and
    host (its path and query are dropped unread)."""
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin
    referer = request.headers.get("Referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


@router.api_operation(
    ["POST"],
    "/stats/hit",
    auth=None,
    summary="Count one page view (consent-exempt audience statistics)",
    description="Public, sent by garde-stats.js once per page load. Body (JSON, sent as "
    "application/json or text/plain, at most 4096 bytes, else 413): site (the site key) and "
    "path (the page's path and query, starting with '/'). Only the page's path is kept, "
    "normalised: no fragment, no query parameter but page and lang, e-mail-like and "
    "identifier-like segments masked, at most 255 characters. The page must be on one of the "
    "site's origins (Origin header, else Referer): 403 otherwise. 204 for every accepted hit; "
    "crawlers (bot, crawler, spider in the user agent) and DNT: 1 are answered 204 and not "
    "counted. 400 naming the field at fault, 404 for an unknown site: nothing is stored then. "
    "No cookie is read or set; no IP address, user agent or identifier is stored.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": StatsHitIn.model_json_schema()},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "204": {"description": "Accepted (counted unless a crawler or DNT)"},
            "400": {"description": "Malformed"},
            "403": {"description": "The page is not on one of the site's origins"},
            "404": {"description": "Unknown site"},
            "413": {"description": "Body over 4096 bytes"},
        },
    },
)
def record_stats_hit(request: HttpRequest) -> HttpResponse:
    try:
        body = _read_hit(request)
        stats_hit_record(
            site_key=body.site,
            path=body.path,
            page_origin=_page_origin(request),
            user_agent=request.headers.get("User-Agent", ""),
            do_not_track=request.headers.get("DNT") == "1",
        )
    except GardeError as error:
        return _error(error)
    return _with_cors(HttpResponse(status=204))


@router.api_operation(["OPTIONS"], "/stats/hit", auth=None, include_in_schema=False)
def record_stats_hit_preflight(request: HttpRequest) -> HttpResponse:
    return _with_cors(HttpResponse(status=204))
