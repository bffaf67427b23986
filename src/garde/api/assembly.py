"""The /api/v1/ API: one NinjaAPI, each app's router mounted on it, errors mapped once."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from garde.accounts.api import router as accounts_router
from garde.breaches.api import router as breaches_router
from garde.careers.api import router as careers_router
from garde.connlogs.api import router as connlogs_router
from garde.consent.api import router as consent_router
from garde.consent.stats_api import router as stats_router
from garde.core.api import router as core_router
from garde.core.errors import GardeError
from garde.marketing.api import router as marketing_router
from garde.register.api import router as register_router
from garde.requests.api import router as requests_router

api = NinjaAPI(
    title="Garde API",
    version="1",
    description="Privacy operations: rights requests, consent, connection logs, register.",
    urls_namespace="api-1",
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, body: Mapping[str, object]) -> HttpResponse:
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(GardeError)
def on_garde_error(request: HttpRequest, exc: GardeError) -> HttpResponse:
    return _error(request, exc.status, exc.as_dict())


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        {
            "code": "unauthenticated",
            "field": "Authorization",
            "message": _("Clé d'API absente, inconnue ou révoquée."),
        },
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p not in {"body", "payload"}),
            "message": err.get("msg", ""),
        }
        for err in exc.errors
    ]
    first = fields[0] if fields else {"field": None, "message": ""}
    return _error(
        request,
        400,
        {"code": "invalid", "field": first["field"], "message": first["message"], "fields": fields},
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(
        request, exc.status_code, {"code": "http_error", "field": None, "message": str(exc)}
    )


api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", requests_router)
api.add_router("/", register_router)
api.add_router("/", connlogs_router)
api.add_router("/", consent_router)
api.add_router("/", stats_router)
api.add_router("/", marketing_router)
api.add_router("/", careers_router)
api.add_router("/", breaches_router)
