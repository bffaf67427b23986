"""Public privacy notice pages: the notice generated from the latest published register, every
earlier version at a stable address, the archive of versions, and the rights-request form.

The notice reads published versions only, never the working register: what the public sees
changes when the DPO publishes, not while they edit.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from garde.core.permissions import public
from garde.register.models import RegisterVersion
from garde.register.notice_content import (
    PAGE_TEXT,
    notice_build,
    notice_language,
    version_entries,
)
from garde.register.rights_form import rights_form_pdf
from garde.register.selectors import (
    register_version_get,
    register_version_latest,
    register_version_list,
)
from garde.register.snapshot import operator_snapshot

RIGHTS_FORM_FILENAMES = {"fr": "formulaire-demande-droits.pdf", "en": "rights-request-form.pdf"}


def _render_notice(
    request: HttpRequest, version: RegisterVersion | None, *, latest_number: int | None
) -> HttpResponse:
    language = notice_language(get_language())
    notice = notice_build(version, language) if version is not None else None
    return render(
        request,
        "register/notice.html",
        {
            "notice": notice,
            "is_latest": version is not None and version.number == latest_number,
            "text": PAGE_TEXT[language],
            "body_template": f"register/notice_body_{language}.html",
        },
    )


@public
def notice_view(request: HttpRequest) -> HttpResponse:
    version = register_version_latest()
    return _render_notice(request, version, latest_number=version.number if version else None)


@public
def notice_version_view(request: HttpRequest, number: int) -> HttpResponse:
    version = register_version_get(number=number)
    if version is None:
        raise Http404
    latest = register_version_list().first()
    return _render_notice(request, version, latest_number=latest.number if latest else None)


@public
def notice_versions_view(request: HttpRequest) -> HttpResponse:
    language = notice_language(get_language())
    return render(
        request,
        "register/notice_versions.html",
        {
            "entries": version_entries(list(register_version_list()), language),
            "text": PAGE_TEXT[language],
        },
    )


@public
def rights_form_view(request: HttpRequest) -> HttpResponse:
    language = notice_language(get_language())
    version = register_version_latest()
    operator = version.snapshot["operator"] if version else operator_snapshot(None)
    pdf = rights_form_pdf(operator=operator, language=language, version=version)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{RIGHTS_FORM_FILENAMES[language]}"'
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        _("confidentialite/"),
        include(
            [
                path("", notice_view, name="notice"),
                path("versions/", notice_versions_view, name="notice_versions"),
                path("versions/<int:number>/", notice_version_view, name="notice_version"),
                path(_("formulaire-droits.pdf"), rights_form_view, name="rights_form"),
            ]
        ),
    ),
]
