"""The public careers page (``/carrieres/``, ``/en/careers/``): open offers, the application
form (to an offer or spontaneous), and the withdraw link mailed to the candidate. The withdraw
token is the only key: it is never written to the audit trail, and an unknown token is "not
found"."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from garde.careers import selectors, services
from garde.careers.errors import AlreadySubmittedError
from garde.careers.forms import HONEYPOT, ApplicationForm, form_add_service_error
from garde.careers.models import JobOffer
from garde.core.errors import GardeError
from garde.core.permissions import public


@public
def careers_view(request: HttpRequest) -> HttpResponse:
    return render(request, "careers/public_offers.html", {"offers": selectors.offer_list_open()})


def _apply(request: HttpRequest, offer: JobOffer | None) -> HttpResponse:
    if request.method == "POST" and request.POST.get(HONEYPOT):
        # A robot filled the hidden field: it is told what a person would be, nothing more.
        return redirect("careers:sent")
    initial = {"position": offer.title} if offer is not None else {}
    form = ApplicationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_submit(
                offer=offer,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                position=data["position"],
                motivation=data["motivation"],
                keep_for_other_offers=data["keep_for_other_offers"],
                cv=data["cv"],
                submission_key=data["submission_key"],
                language=get_language() or "fr",
            )
        except AlreadySubmittedError as error:
            messages.info(request, error.message)
            return redirect("careers:sent")
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            return redirect("careers:sent")
    return render(
        request,
        "careers/public_apply.html",
        {"form": form, "offer": offer, "honeypot": HONEYPOT},
        status=400 if form.errors else 200,
    )


@public
def apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get_open(pk=pk)
    if offer is None:
        raise Http404
    return _apply(request, offer)


@public
def apply_spontaneous_view(request: HttpRequest) -> HttpResponse:
    return _apply(request, None)


@public
def sent_view(request: HttpRequest) -> HttpResponse:
    return render(request, "careers/public_sent.html")


@public
@never_cache
def withdraw_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links); POST erases at once."""
    application = services.application_by_withdraw_token(token=token)
    if application is None:
        return render(request, "careers/public_withdraw_unknown.html", status=404)
    if request.method == "POST":
        services.application_withdraw(application=application)
        messages.success(request, _("Votre candidature et votre CV ont été effacés."))
        return redirect("careers:withdrawn")
    return render(request, "careers/public_withdraw.html", {"application": application})


@public
def withdrawn_view(request: HttpRequest) -> HttpResponse:
    return render(request, "careers/public_withdrawn.html")


urlpatterns: list[URLPattern] = [
    path(gettext_lazy("carrieres/"), careers_view, name="offers"),
    path(
        format_lazy("{}<int:pk>/{}", gettext_lazy("carrieres/"), gettext_lazy("postuler/")),
        apply_view,
        name="apply",
    ),
    path(
        format_lazy("{}{}", gettext_lazy("carrieres/"), gettext_lazy("candidature-spontanee/")),
        apply_spontaneous_view,
        name="apply_spontaneous",
    ),
    path(
        format_lazy("{}{}", gettext_lazy("carrieres/"), gettext_lazy("envoyee/")),
        sent_view,
        name="sent",
    ),
    path(
        format_lazy("{}{}<str:token>/", gettext_lazy("carrieres/"), gettext_lazy("retrait/")),
        withdraw_view,
        name="withdraw",
    ),
    path(
        format_lazy("{}{}", gettext_lazy("carrieres/"), gettext_lazy("retiree/")),
        withdrawn_view,
        name="withdrawn",
    ),
]
