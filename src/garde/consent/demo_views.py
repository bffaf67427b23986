"""The demo website page that embeds the cookie banner the way any of the operator's sites
would: one script tag, a statistics script held back until its purpose is accepted, an
embedded frame behind a placeholder and a footer link that reopens the preference centre."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from garde.core.permissions import public

DEMO_SITE = "demo"
# What the held-back statistics script does once allowed to run: a flag the browser tests read.
DEMO_STATS_SCRIPT = "window.__statsRan = true;\n"


@public
@require_GET
def demo_page_view(request: HttpRequest) -> HttpResponse:
    """The page speaks the visitor's language (their choice, else their browser's): outside the
    language prefixes, Django would otherwise always pick the default one. The banner follows."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = render(
            request,
            "consent/demo.html",
            {"site": DEMO_SITE, "banner_css": static("consent/garde-consent.css")},
        )
    response["Content-Language"] = language
    return response


@public
@require_GET
def demo_stats_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(DEMO_STATS_SCRIPT, content_type="text/javascript; charset=utf-8")


@public
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def demo_frame_view(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/demo_frame.html")
