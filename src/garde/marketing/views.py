"""The public contact and callback forms (``/contact/``, ``/rappel/``; ``/en/contact/``,
``/en/callback/``). Spam resistance without any third-party service: a hidden field robots
fill in, a rate limit per address kept in memory (``ratelimit``), size limits (a body over
``MAX_BODY_BYTES`` is refused with 413 before it is read into a form, each field has its
maximum length), and a one-time form key so a form posted twice is stored once."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from garde.core.errors import GardeError
from garde.core.permissions import public
from garde.core.services import client_ip
from garde.marketing.errors import ContactDuplicateError
from garde.marketing.forms import (
    HONEYPOT,
    CallbackForm,
    ContactForm,
    form_add_service_error,
)
from garde.marketing.ratelimit import form_limiter
from garde.marketing.services import contact_request_submit

# Far above what the longest valid form takes (5,000 characters of message, UTF-8 encoded).
MAX_BODY_BYTES = 64 * 1024


def _too_large(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
    except ValueError:
        return True


def _sent_message() -> str:
    return _("Merci, votre demande est bien envoyée. Nous vous répondrons rapidement.")


def _form_page(
    request: HttpRequest, form_class: type[ContactForm] | type[CallbackForm], url_name: str
) -> HttpResponse:
    status = 200
    refusal = ""
    form: ContactForm | CallbackForm
    if request.method != "POST":
        form = form_class()
    elif _too_large(request):
        # Not bound: a body this size is not echoed back into the page.
        form = form_class()
        refusal = _(
            "Votre envoi est trop volumineux : le message ne peut dépasser 5 000 caractères. "
            "Rien n'a été enregistré."
        )
        status = 413
    else:
        form = form_class(request.POST)
        if form.is_robot():
            # A robot filled the hidden field: it is told what a person would be, nothing more.
            messages.success(request, _sent_message())
            return redirect(url_name)
        if form.is_valid():
            if not form_limiter.hit(client_ip(request)):
                form.add_error(
                    None,
                    _(
                        "Trop d'envois depuis votre connexion en peu de temps : réessayez dans "
                        "quelques minutes. Votre saisie est conservée ci-dessous."
                    ),
                )
                status = 429
            else:
                data = {k: v for k, v in form.cleaned_data.items() if k != HONEYPOT}
                try:
                    contact_request_submit(kind=form.kind, language=get_language() or "fr", **data)
                except ContactDuplicateError as error:
                    messages.info(request, error.message)
                    return redirect(url_name)
                except GardeError as error:
                    form_add_service_error(form, error)
                else:
                    messages.success(request, _sent_message())
                    return redirect(url_name)
        if status == 200:
            status = 400
    return render(
        request,
        "marketing/public_form.html",
        {"form": form, "honeypot": HONEYPOT, "kind": form_class.kind, "refusal": refusal},
        status=status,
    )


@public
def contact_view(request: HttpRequest) -> HttpResponse:
    return _form_page(request, ContactForm, "marketing:contact")


@public
def callback_view(request: HttpRequest) -> HttpResponse:
    return _form_page(request, CallbackForm, "marketing:callback")
