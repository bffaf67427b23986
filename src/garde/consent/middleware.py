"""The consent write, answered ahead of the middleware it does not need.

``POST /api/v1/consent`` is called by the banner of every site the operator runs, once per
choice of every visitor: it is Garde's busiest endpoint. It takes no session, no log-in, no
CSRF token, no language prefix and no HTML, yet passing through those middleware, URL
resolution and django-ninja cost more than half of its time (profile in docs/benchmarks.md).
This middleware sits right after ``SecurityMiddleware`` (whose headers the answer still gets)
and hands that one path to the same view functions the API router declares, so the behaviour,
the validation and the OpenAPI description stay in ``garde.consent.api``; every other request
goes on through the stack untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation

from garde.consent.api import record_consent, record_consent_preflight

CONSENT_WRITE_PATH = "/api/v1/consent"


class ConsentWriteMiddleware:
    """Answers ``POST`` and ``OPTIONS`` on :data:`CONSENT_WRITE_PATH`; passes everything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info != CONSENT_WRITE_PATH:
            return self.get_response(request)
        if request.method == "OPTIONS":
            return record_consent_preflight(request)
        if request.method != "POST":
            return self.get_response(request)
        # Error messages follow the browser's language (cookie, then Accept-Language): the
        # banner shows them on the operator's English pages too. (Outside the language prefix,
        # LocaleMiddleware would always have answered in French.)
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response: HttpResponse = record_consent(request)
        return response
