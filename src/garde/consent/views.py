"""Public consent pages served outside the language prefix: the Global Privacy Control
declaration and the banner script any of the operator's websites embeds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from garde.core.permissions import public

# The date the GPC declaration last changed (https://privacycg.github.io/gpc-spec/).
GPC_LAST_UPDATE = "2026-12-04"
SCRIPT_PATH = "consent/garde-consent.js"
SCRIPT_MAX_AGE = 86400


@public
@require_GET
def gpc_json_view(request: HttpRequest) -> HttpResponse:
    """``/.well-known/gpc.json``: this site honours Global Privacy Control."""
    response = HttpResponse(
        json.dumps({"gpc": True, "lastUpdate": GPC_LAST_UPDATE}), content_type="application/json"
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=86400"
    return response


@public
@require_GET
def consent_script_view(request: HttpRequest) -> HttpResponse:
    """``garde-consent.js``, for ``<script src=... data-site=KEY defer>`` on any site. Cached a
    day; the ETag lets browsers revalidate cheaply after a release."""
    return embedded_script_response(request, SCRIPT_PATH)


def embedded_script_response(request: HttpRequest, path: str) -> HttpResponse:
    """A static script other websites embed (``garde-consent.js``, ``garde-stats.js``): cached a
    day, revalidated by an ETag of its content, loadable cross-origin, no cookie."""
    found = finders.find(path)
    if not found or isinstance(found, list):
        raise Http404(path)
    content = Path(found).read_bytes()
    etag = f'"{hashlib.sha256(content).hexdigest()[:16]}"'
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
