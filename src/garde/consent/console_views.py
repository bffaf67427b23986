"""DPO console pages of the cookie banner: the sites, each site's draft configuration (settings,
texts, purposes with their services and cookies, tied to the register's cookie processing) and
its publication. Plain form posts throughout; the rules live in ``console_services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from garde.accounts.models import User
from garde.consent.console_checks import (
    consent_draft_diff,
    consent_draft_problems,
    consent_register_purposes,
)
from garde.consent.console_forms import (
    CookieForm,
    PurposeForm,
    ServiceForm,
    SiteCreateForm,
    SiteSettingsForm,
    TextsForm,
    origins_list,
)
from garde.consent.console_purposes import (
    consent_draft_cookie_add,
    consent_draft_cookie_remove,
    consent_draft_purpose_remove,
    consent_draft_purpose_save,
    consent_draft_service_add,
    consent_draft_service_remove,
)
from garde.consent.console_services import (
    consent_console_site_create,
    consent_draft_publish,
    consent_draft_settings_update,
    consent_draft_texts_update,
)
from garde.consent.models import ConsentSite
from garde.consent.selectors import (
    consent_site_get,
    consent_site_list_for_console,
    consent_site_versions,
)
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role

FORM_TEMPLATE = "consent/console_form.html"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _site_or_404(site_key: str) -> ConsentSite:
    site = consent_site_get(site_key=site_key)
    if site is None:
        raise Http404
    return site


def _purpose_or_404(site: ConsentSite, purpose_key: str) -> dict[str, Any]:
    for purpose in site.draft.get("purposes", []):
        if purpose.get("key") == purpose_key:
            return dict(purpose)
    raise Http404


def _attach_error(form: forms.BaseForm, error: GardeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _form_page(
    request: HttpRequest, form: forms.BaseForm, site: ConsentSite | None, title: str
) -> HttpResponse:
    return render(
        request,
        FORM_TEMPLATE,
        {"form": form, "site": site, "title": title},
        status=400 if form.errors else 200,
    )


def _to_detail(site: ConsentSite) -> HttpResponse:
    return redirect("consent_console:site_detail", consent_site=site.key)


@roles_required(Role.DPO)
def site_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "consent/console_sites.html", {"sites": list(consent_site_list_for_console())}
    )


@roles_required(Role.DPO)
def site_create_view(request: HttpRequest) -> HttpResponse:
    form = SiteCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = consent_console_site_create(
                key=data["key"],
                name=data["name"],
                allowed_origins=origins_list(data["allowed_origins"]),
                lifetime_days=data["lifetime_days"],
                actor=_actor(request),
                request=request,
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Site créé : complétez son brouillon puis publiez-le."))
            return _to_detail(site)
    return _form_page(request, form, None, _("Nouveau site"))


@roles_required(Role.DPO)
def site_detail_view(request: HttpRequest, consent_site: str) -> HttpResponse:
    site = _site_or_404(consent_site)
    register = consent_register_purposes()
    declared = register.purposes_fr if register else frozenset()
    return render(
        request,
        "consent/console_site.html",
        {
            "site": site,
            "draft": site.draft,
            "register": register,
            "declared": declared,
            "problems": consent_draft_problems(site=site, register=register),
            "changes": consent_draft_diff(site=site),
            "versions": consent_site_versions(site=site),
        },
    )


@roles_required(Role.DPO)
def site_settings_view(request: HttpRequest, consent_site: str) -> HttpResponse:
    site = _site_or_404(consent_site)
    draft = site.draft
    initial = {
        "name": site.name,
        "allowed_origins": "\n".join(draft.get("allowed_origins", [])),
        "lifetime_days": draft.get("lifetime_days", site.lifetime_days),
        "cookie_name": draft.get("cookie_name", "garde_consent"),
        "cookie_domain": draft.get("cookie_domain") or "",
    }
    form = SiteSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_draft_settings_update(
                site=site,
                name=data["name"],
                allowed_origins=origins_list(data["allowed_origins"]),
                lifetime_days=data["lifetime_days"],
                cookie_name=data["cookie_name"],
                cookie_domain=data["cookie_domain"],
                actor=_actor(request),
                request=request,
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Brouillon enregistré."))
            return _to_detail(site)
    return _form_page(request, form, site, _("Réglages du site"))


@roles_required(Role.DPO)
def site_texts_view(request: HttpRequest, consent_site: str) -> HttpResponse:
    site = _site_or_404(consent_site)
    form = TextsForm(
        request.POST or None, initial=TextsForm.initial_from(site.draft.get("texts", {}))
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent_draft_texts_update(
                site=site, texts=form.texts(), actor=_actor(request), request=request
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Brouillon enregistré."))
            return _to_detail(site)
    return _form_page(request, form, site, _("Textes du bandeau"))


def _purpose_page(
    request: HttpRequest, site: ConsentSite, purpose: dict[str, Any] | None
) -> HttpResponse:
    linked = purpose.get("register_purposes", []) if purpose else []
    form = PurposeForm(
        request.POST or None,
        register=consent_register_purposes(),
        linked=linked,
        initial=PurposeForm.initial_from(purpose) if purpose else {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_draft_purpose_save(
                site=site,
                purpose_key=purpose["key"] if purpose else None,
                key=data["key"],
                name={"fr": data["name_fr"], "en": data["name_en"]},
                description={"fr": data["description_fr"], "en": data["description_en"]},
                register_purposes=data["register_purposes"],
                actor=_actor(request),
                request=request,
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Brouillon enregistré."))
            return _to_detail(site)
    title = _("Modifier la finalité") if purpose else _("Nouvelle finalité")
    return _form_page(request, form, site, title)


@roles_required(Role.DPO)
def purpose_create_view(request: HttpRequest, consent_site: str) -> HttpResponse:
    return _purpose_page(request, _site_or_404(consent_site), None)


@roles_required(Role.DPO)
def purpose_edit_view(
    request: HttpRequest, consent_site: str, consent_purpose: str
) -> HttpResponse:
    site = _site_or_404(consent_site)
    return _purpose_page(request, site, _purpose_or_404(site, consent_purpose))


def _removal(request: HttpRequest, site: ConsentSite, **call: Any) -> HttpResponse:
    remove = call.pop("service")
    try:
        remove(site=site, actor=_actor(request), request=request, **call)
    except GardeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Brouillon enregistré."))
    return _to_detail(site)


@roles_required(Role.DPO)
@require_POST
def purpose_remove_view(
    request: HttpRequest, consent_site: str, consent_purpose: str
) -> HttpResponse:
    site = _site_or_404(consent_site)
    return _removal(
        request, site, service=consent_draft_purpose_remove, purpose_key=consent_purpose
    )


@roles_required(Role.DPO)
def service_add_view(request: HttpRequest, consent_site: str, consent_purpose: str) -> HttpResponse:
    site = _site_or_404(consent_site)
    purpose = _purpose_or_404(site, consent_purpose)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_draft_service_add(
                site=site,
                purpose_key=purpose["key"],
                name=form.cleaned_data["name"],
                actor=_actor(request),
                request=request,
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Brouillon enregistré."))
            return _to_detail(site)
    title = _("Nouveau service (finalité « %(key)s »)") % {"key": purpose["key"]}
    return _form_page(request, form, site, title)


@roles_required(Role.DPO)
@require_POST
def service_remove_view(
    request: HttpRequest, consent_site: str, consent_purpose: str, consent_service: int
) -> HttpResponse:
    site = _site_or_404(consent_site)
    return _removal(
        request,
        site,
        service=consent_draft_service_remove,
        purpose_key=consent_purpose,
        service_index=consent_service,
    )


@roles_required(Role.DPO)
def cookie_add_view(
    request: HttpRequest, consent_site: str, consent_purpose: str, consent_service: int
) -> HttpResponse:
    site = _site_or_404(consent_site)
    services = _purpose_or_404(site, consent_purpose).get("services", [])
    if consent_service >= len(services):
        raise Http404
    form = CookieForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_draft_cookie_add(
                site=site,
                purpose_key=consent_purpose,
                service_index=consent_service,
                name=data["name"],
                domain=data["domain"],
                path=data["path"],
                lifetime_days=data["lifetime_days"],
                description={"fr": data["description_fr"], "en": data["description_en"]},
                actor=_actor(request),
                request=request,
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Brouillon enregistré."))
            return _to_detail(site)
    title = _("Nouveau cookie (service « %(name)s »)") % {
        "name": services[consent_service].get("name")
    }
    return _form_page(request, form, site, title)


@roles_required(Role.DPO)
@require_POST
def cookie_remove_view(
    request: HttpRequest,
    consent_site: str,
    consent_purpose: str,
    consent_service: int,
    consent_cookie: int,
) -> HttpResponse:
    site = _site_or_404(consent_site)
    return _removal(
        request,
        site,
        service=consent_draft_cookie_remove,
        purpose_key=consent_purpose,
        service_index=consent_service,
        cookie_index=consent_cookie,
    )


@roles_required(Role.DPO)
def publish_view(request: HttpRequest, consent_site: str) -> HttpResponse:
    """GET: what publishing would change and what stands in the way; POST: publish."""
    site = _site_or_404(consent_site)
    if request.method == "POST":
        try:
            site = consent_draft_publish(site=site, actor=_actor(request), request=request)
        except GardeError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Version %(version)d publiée : le bandeau redemande leur choix aux visiteurs.")
                % {"version": site.version},
            )
            return _to_detail(site)
    problems = consent_draft_problems(site=site)
    return render(
        request,
        "consent/console_publish.html",
        {"site": site, "problems": problems, "changes": consent_draft_diff(site=site)},
        status=400 if request.method == "POST" else 200,
    )
