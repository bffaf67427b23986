"""What every marketing e-mail carries: the signed personal links, the RFC 8058 one-click
unsubscribe headers, and the footer with the sender's identity and the right to object.

Links are signed with Django's signer (keyed with SECRET_KEY): a confirmation link expires
after ``CONFIRMATION_DAYS``; an unsubscribe link never does (an old mailing must still let its
reader leave). The keyed hash of an address (``address_digest``) is what the suppression list
keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac

CONFIRMATION_DAYS = 7
CONFIRMATION_MAX_AGE = timedelta(days=CONFIRMATION_DAYS)
CONFIRM_SALT = "garde.marketing.newsletter.confirm"
UNSUBSCRIBE_SALT = "garde.marketing.unsubscribe"
DIGEST_SALT = "garde.marketing.suppression"
# Kinds of recipients an unsubscribe token names.
SUBSCRIBER = "s"
CONTACT = "c"
ONE_CLICK = "List-Unsubscribe=One-Click"


def address_normalise(email: str) -> str:
    return email.strip().lower()


def address_digest(email: str) -> str:
    """HMAC-SHA256 of the normalised address, keyed with a secret derived from SECRET_KEY."""
    return salted_hmac(DIGEST_SALT, address_normalise(email), algorithm="sha256").hexdigest()


def confirmation_token(public_id: str) -> str:
    return signing.dumps(public_id, salt=CONFIRM_SALT, compress=False)


def confirmation_token_read(token: str) -> str | None:
    """The subscriber id a confirmation token names, or None if forged or expired."""
    try:
        value = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def unsubscribe_token(kind: str, public_id: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{kind}.{public_id}")


def unsubscribe_token_read(token: str) -> tuple[str, str] | None:
    """``(kind, public id)`` of an unsubscribe token, or None if forged."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    kind, _, public_id = value.partition(".")
    if kind not in {SUBSCRIBER, CONTACT} or not public_id:
        return None
    return kind, public_id


def confirmation_url(token: str, language: str) -> str:
    with translation.override(language):
        return settings.BASE_URL + reverse("marketing:newsletter_confirm", kwargs={"token": token})


def unsubscribe_url(token: str, language: str = "fr") -> str:
    with translation.override(language):
        return settings.BASE_URL + reverse(
            "marketing:newsletter_unsubscribe", kwargs={"token": token}
        )


def unsubscribe_mailto(token: str) -> str:
    """``mailto:`` URI for the List-Unsubscribe header: the operator's unsubscribe mailbox
    (``GARDE_NEWSLETTER_UNSUBSCRIBE_ADDRESS``, default ``unsubscribe@`` the sender's domain)
    with the token as subject (read by ``newsletter_unsubscribe_by_mail``)."""
    address = getattr(settings, "GARDE_NEWSLETTER_UNSUBSCRIBE_ADDRESS", "") or (
        "unsubscribe@" + sender_domain()
    )
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def sender_domain() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "garde.localhost"


def unsubscribe_headers(token: str, language: str = "fr") -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (https and mailto) and RFC 8058 List-Unsubscribe-Post."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(token, language)}>, <{unsubscribe_mailto(token)}>",
        "List-Unsubscribe-Post": ONE_CLICK,
    }


@dataclass(frozen=True)
class Recipient:
    """Who a marketing e-mail goes to, as the sender needs it at send time."""

    email: str
    name: str
    language: str
    token: str
    organisation_name: str = ""


def _render(template: str, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return render_to_string(template, context)


def transactional_message(
    *,
    recipient: Recipient,
    template: str,
    context: dict[str, Any],
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    """A newsletter e-mail to one subscriber (confirmation, welcome): text body
    ``marketing/mail/<template>.txt``, subject ``<template>_subject.txt``, with the
    unsubscribe link and headers."""
    full = {
        "base_url": settings.BASE_URL,
        "operator_name": settings.GARDE_OPERATOR_NAME,
        "recipient": recipient,
        "unsubscribe_url": unsubscribe_url(recipient.token, recipient.language),
        **context,
    }
    subject = _render(f"marketing/mail/{template}_subject.txt", full, recipient.language)
    body = _render(f"marketing/mail/{template}.txt", full, recipient.language)
    return EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers=unsubscribe_headers(recipient.token, recipient.language),
        connection=connection,
    )


def mailing_parts(
    *, subject: str, body_html: str, body_text: str, audience: str, recipient: Recipient
) -> tuple[str, str, str]:
    """Subject, text and HTML of a mailing for ``recipient``: the composed bodies followed by
    the footer (sender identity, why they receive it, the unsubscribe link)."""
    context = {
        "operator_name": settings.GARDE_OPERATOR_NAME,
        "audience": audience,
        "recipient": recipient,
        "unsubscribe_url": unsubscribe_url(recipient.token, recipient.language),
    }
    footer_text = _render("marketing/mail/newsletter_footer.txt", context, recipient.language)
    footer_html = _render("marketing/mail/newsletter_footer.html", context, recipient.language)
    return subject, f"{body_text.rstrip()}\n\n{footer_text}", f"{body_html}\n{footer_html}"


def mailing_message(
    *,
    subject: str,
    body_html: str,
    body_text: str,
    audience: str,
    recipient: Recipient,
    message_id: str,
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    """One mailing e-mail. ``message_id`` is stable per delivery, so a receiver that got the
    same delivery twice could tell."""
    subject, text, html = mailing_parts(
        subject=subject,
        body_html=body_html,
        body_text=body_text,
        audience=audience,
        recipient=recipient,
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            **unsubscribe_headers(recipient.token, recipient.language),
            "Message-ID": message_id,
            "Precedence": "bulk",
        },
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message
