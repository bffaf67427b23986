"""HR's console: job offers (create, edit, open/close, delete) and applications (list with
filters, search and pagination; detail with pipeline transitions, notes and the audited CV
download). Every view is for the hr role alone."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from garde.accounts.models import User
from garde.careers import selectors, services
from garde.careers.choices import ApplicationStatus
from garde.careers.forms import (
    ApplicationFilterForm,
    NoteForm,
    OfferForm,
    TransitionForm,
    form_add_service_error,
)
from garde.careers.models import Application, JobOffer
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role

PAGE_SIZE = 25
HR = Role.HR


def _viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _offer_or_404(pk: int) -> JobOffer:
    offer = selectors.offer_list_for_hr().filter(pk=pk).first()
    if offer is None:
        raise Http404
    return offer


def _application_or_404(pk: int) -> Application:
    application = selectors.application_get_for_hr(pk=pk)
    if application is None:
        raise Http404
    return application


# --- offers --------------------------------------------------------------------------------


@roles_required(HR)
def offer_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "careers/console_offers.html", {"offers": selectors.offer_list_for_hr()})


@roles_required(HR)
def offer_new_view(request: HttpRequest) -> HttpResponse:
    form = OfferForm(request.POST or None, initial={"is_open": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_create(actor=_viewer(request), **form.cleaned_data)
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Offre publiée."))
            return redirect("careers:console_offers")
    return render(
        request,
        "careers/console_offer_form.html",
        {"form": form, "offer": None},
        status=400 if form.errors else 200,
    )


@roles_required(HR)
def offer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_or_404(pk)
    form = OfferForm(
        request.POST or None,
        initial={
            "title": offer.title,
            "location": offer.location,
            "description": offer.description,
            "is_open": offer.is_open,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, actor=_viewer(request), **form.cleaned_data)
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Offre enregistrée."))
            return redirect("careers:console_offers")
    return render(
        request,
        "careers/console_offer_form.html",
        {"form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


@roles_required(HR)
@require_POST
def offer_toggle_view(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_or_404(pk)
    services.offer_set_open(offer=offer, actor=_viewer(request), is_open=not offer.is_open)
    messages.success(request, _("Offre ouverte.") if offer.is_open else _("Offre fermée."))
    return redirect("careers:console_offers")


@roles_required(HR)
@require_POST
def offer_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_or_404(pk)
    try:
        services.offer_delete(offer=offer, actor=_viewer(request))
    except GardeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Offre supprimée."))
    return redirect("careers:console_offers")


# --- applications --------------------------------------------------------------------------


@roles_required(HR)
def application_list_view(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {"q": "", "offer": "", "status": ""}
    rows = selectors.application_list_for_hr(
        offer=filters["offer"], status=filters["status"], q=filters["q"]
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "careers/console_applications.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query,
            "offers": selectors.offer_list_for_hr(),
        },
    )


@roles_required(HR)
def application_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    note_form = NoteForm(prefix="note")
    status = 200
    if request.method == "POST":
        try:
            if "to" in request.POST:
                transition = TransitionForm(request.POST)
                if not transition.is_valid():
                    raise GardeError(_("Étape inconnue."), field="status")
                services.application_transition(
                    application=application,
                    actor=_viewer(request),
                    to=transition.cleaned_data["to"],
                )
                messages.success(request, _("Étape enregistrée."))
                return redirect("careers:console_application", pk=pk)
            note_form = NoteForm(request.POST, prefix="note")
            if note_form.is_valid():
                services.application_note_add(
                    application=application,
                    actor=_viewer(request),
                    body=note_form.cleaned_data["body"],
                )
                messages.success(request, _("Note ajoutée."))
                return redirect("careers:console_application", pk=pk)
        except GardeError as error:
            messages.error(request, error.message)
        status = 400
    return render(
        request,
        "careers/console_application.html",
        {
            "application": application,
            "notes": application.notes.select_related("author"),
            "note_form": note_form,
            "next_statuses": [
                (value, ApplicationStatus(value).label)
                for value in ApplicationStatus.values
                if value in services.TRANSITIONS[application.status]
            ],
        },
        status=status,
    )


@roles_required(HR)
@never_cache
def application_cv_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    try:
        data = services.application_cv_open(
            application=application, actor=_viewer(request), request=request
        )
    except GardeError as error:
        messages.error(request, error.message)
        return redirect("careers:console_application", pk=pk)
    response = HttpResponse(data, content_type=application.cv_content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=application.cv_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


urlpatterns: list[URLPattern] = [
    path("console/careers/offers/", offer_list_view, name="console_offers"),
    path("console/careers/offers/new/", offer_new_view, name="console_offer_new"),
    path("console/careers/offers/<int:pk>/", offer_edit_view, name="console_offer_edit"),
    path("console/careers/offers/<int:pk>/toggle/", offer_toggle_view, name="console_offer_toggle"),
    path("console/careers/offers/<int:pk>/delete/", offer_delete_view, name="console_offer_delete"),
    path("console/careers/applications/", application_list_view, name="console_applications"),
    path(
        "console/careers/applications/<int:pk>/",
        application_detail_view,
        name="console_application",
    ),
    path("console/careers/applications/<int:pk>/cv/", application_cv_view, name="console_cv"),
]
