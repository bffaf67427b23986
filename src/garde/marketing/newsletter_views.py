"""Newsletter pages. Public: the sign-up form (``/newsletter/``, ``/en/newsletter/``), the
confirmation page of the signed link, and the unsubscribe page, which is also the RFC 8058
one-click endpoint (a POST, no log-in, no cookie, no CSRF token). Console (Marketing):
audience counts, mailings to compose, preview, send and follow. Portal (a client's
org_admin): the professional contacts their organisation registers for commercial
information and event invitations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from garde.accounts.models import Organisation, User
from garde.accounts.selectors import user_organisation
from garde.core.errors import GardeError
from garde.core.permissions import public, roles_required
from garde.core.roles import Role
from garde.marketing import newsletter_selectors as selectors
from garde.marketing import newsletter_sending as sending
from garde.marketing import newsletter_services as services
from garde.marketing.models_newsletter import Mailing, MailingStatus, SubscriberStatus
from garde.marketing.newsletter_forms import (
    HONEYPOT,
    CommercialContactForm,
    MailingForm,
    NewsletterSignUpForm,
    form_add_service_error,
)
from garde.marketing.newsletter_mail import (
    CONFIRMATION_DAYS,
    Recipient,
    mailing_parts,
    unsubscribe_token_read,
)

# --- public --------------------------------------------------------------------------------


@public
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get(HONEYPOT):
        return redirect("marketing:newsletter_sent")
    form = NewsletterSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.newsletter_subscribe(
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                language=get_language() or "fr",
                request=request,
            )
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            return redirect("marketing:newsletter_sent")
    return render(
        request,
        "marketing/newsletter_form.html",
        {"form": form, "honeypot": HONEYPOT, "days": CONFIRMATION_DAYS},
        status=400 if form.errors else 200,
    )


@public
def sent_view(request: HttpRequest) -> HttpResponse:
    return render(request, "marketing/newsletter_sent.html", {"days": CONFIRMATION_DAYS})


@public
@never_cache
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a link scanner fetching the link confirms nothing); POST
    confirms."""
    subscriber = services.newsletter_pending_get(token=token)
    if subscriber is None:
        raise Http404
    if request.method == "POST":
        subscriber = services.newsletter_confirm(token=token, request=request)
        if subscriber is None:
            raise Http404
    return render(
        request,
        "marketing/newsletter_confirm.html",
        {"confirmed": subscriber.status == SubscriberStatus.CONFIRMED, "token": token},
    )


@public
@csrf_exempt  # RFC 8058: mail clients POST without a session, a cookie or a CSRF token
@never_cache
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button; any POST (``List-Unsubscribe=One-Click`` from a mail client, or
    the button) unsubscribes. The signed token is the only key."""
    read = unsubscribe_token_read(token)
    if read is None:
        raise Http404
    done = None
    if request.method == "POST":
        done = services.newsletter_unsubscribe(token=token, request=request)
    return render(
        request,
        "marketing/newsletter_unsubscribe.html",
        {"done": done, "kind": read[0], "token": token},
    )


# --- console -------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _mailing(pk: int) -> Mailing:
    mailing = selectors.mailing_get(pk=pk)
    if mailing is None:
        raise Http404
    return mailing


@roles_required(Role.MARKETING)
def console_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "marketing/newsletter_console.html",
        {"counts": selectors.audience_counts(), "mailings": selectors.mailing_list()},
    )


def _mailing_form_page(request: HttpRequest, mailing: Mailing | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if mailing is not None:
        if mailing.status != MailingStatus.DRAFT:
            messages.error(request, _("Seul un brouillon peut être modifié."))
            return redirect("marketing:newsletter_mailing", pk=mailing.pk)
        initial = {
            "audience": mailing.audience,
            "subject": mailing.subject,
            "body_html": mailing.body_html,
            "body_text": mailing.body_text,
        }
    form = MailingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if mailing is None:
                mailing = sending.mailing_create(
                    actor=_actor(request),
                    language=get_language() or "fr",
                    request=request,
                    **form.cleaned_data,
                )
            else:
                mailing = sending.mailing_update(
                    mailing=mailing, actor=_actor(request), request=request, **form.cleaned_data
                )
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Mailing enregistré. Vérifiez l'aperçu avant l'envoi."))
            return redirect("marketing:newsletter_mailing", pk=mailing.pk)
    return render(
        request,
        "marketing/newsletter_mailing_form.html",
        {"form": form, "mailing": mailing},
        status=400 if form.errors else 200,
    )


@roles_required(Role.MARKETING)
def mailing_new_view(request: HttpRequest) -> HttpResponse:
    return _mailing_form_page(request, None)


@roles_required(Role.MARKETING)
def mailing_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _mailing_form_page(request, _mailing(pk))


def _progress_context(mailing: Mailing) -> dict[str, Any]:
    counts = selectors.mailing_progress(mailing=mailing)
    total = sum(counts.values())
    done = total - counts["pending"] - counts["sending"]
    return {
        "mailing": mailing,
        "counts": counts,
        "total": total,
        "done": done,
        "percent": 100 if not total else done * 100 // total,
        "stalled": selectors.mailing_is_stalled(mailing=mailing, stale_after=sending.STALE_AFTER),
    }


@roles_required(Role.MARKETING)
def mailing_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    sample = Recipient(
        email="",
        name=_("Prénom Nom"),
        language=mailing.language,
        token="preview",  # noqa: S106  (a placeholder link, not a secret)
    )
    _subject, preview_text, preview_html = mailing_parts(
        subject=mailing.subject,
        body_html=mailing.body_html,
        body_text=mailing.body_text,
        audience=mailing.audience,
        recipient=sample,
    )
    return render(
        request,
        "marketing/newsletter_mailing_detail.html",
        {
            **_progress_context(mailing),
            "preview_html": preview_html,
            "preview_text": preview_text,
            "audience_counts": selectors.audience_counts(),
        },
    )


@roles_required(Role.MARKETING)
def mailing_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block alone, polled by htmx while the worker sends."""
    return render(
        request, "marketing/newsletter_mailing_progress.html", _progress_context(_mailing(pk))
    )


@roles_required(Role.MARKETING)
@require_POST
def mailing_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    try:
        count = sending.mailing_send(mailing=mailing, actor=_actor(request), request=request)
    except GardeError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Envoi lancé vers %(count)d destinataire(s).") % {"count": count}
        )
    return redirect("marketing:newsletter_mailing", pk=mailing.pk)


@roles_required(Role.MARKETING)
@require_POST
def mailing_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = _mailing(pk)
    try:
        uncertain = sending.mailing_resume(mailing=mailing, actor=_actor(request))
    except GardeError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Envoi repris ; %(count)d envoi(s) interrompu(s) ne seront pas renvoyés.")
            % {"count": uncertain},
        )
    return redirect("marketing:newsletter_mailing", pk=mailing.pk)


# --- portal --------------------------------------------------------------------------------


def _organisation(request: HttpRequest) -> Organisation:
    organisation = user_organisation(_actor(request))
    if organisation is None:
        raise Http404
    return organisation


@roles_required(Role.ORG_ADMIN)
def contacts_view(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    form = CommercialContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.commercial_contact_register(
                actor=_actor(request),
                organisation=organisation,
                request=request,
                **form.cleaned_data,
            )
        except GardeError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Contact enregistré."))
            return redirect("marketing:portal_contacts")
    return render(
        request,
        "marketing/newsletter_contacts.html",
        {
            "form": form,
            "organisation": organisation,
            "contacts": selectors.commercial_contact_list_for_organisation(
                organisation=organisation
            ),
            "tab": "contacts",
        },
        status=400 if form.errors else 200,
    )


@roles_required(Role.ORG_ADMIN)
@require_POST
def contact_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.commercial_contact_get_for_organisation(
        organisation=_organisation(request), pk=pk
    )
    if contact is None:
        raise Http404
    services.commercial_contact_remove(actor=_actor(request), contact=contact, request=request)
    messages.success(request, _("Contact retiré."))
    return redirect("marketing:portal_contacts")
