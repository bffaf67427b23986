"""The newsletter's and commercial contacts' state changes: sign-up with double opt-in,
confirmation, one-click unsubscription and opt-out (the person's data deleted, a keyed hash of
the address kept in the suppression list), contacts registered by a client's org_admin, and
the discarding of sign-ups never confirmed.

Audit events name rows by id only: the audit trail outlives the unsubscription, the address
must not. Mail leaves after commit.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.models import Organisation, User
from garde.core.services import audit_record
from garde.marketing.models_newsletter import (
    CommercialContact,
    NewsletterSubscriber,
    SubscriberStatus,
    SuppressionEntry,
    SuppressionSource,
)
from garde.marketing.newsletter_errors import (
    ContactExistsError,
    ContactSuppressedError,
    NewsletterInvalidError,
)
from garde.marketing.newsletter_mail import (
    CONFIRMATION_DAYS,
    CONTACT,
    SUBSCRIBER,
    Recipient,
    address_digest,
    address_normalise,
    confirmation_token,
    confirmation_token_read,
    confirmation_url,
    transactional_message,
    unsubscribe_token,
    unsubscribe_token_read,
)

# A second sign-up for the same address within this delay sends no second confirmation mail.
RESEND_DELAY = timedelta(minutes=1)
NAME_MAX = 150


def _clean_email(value: str) -> str:
    address = address_normalise(value)
    try:
        validate_email(address)
    except ValidationError:
        raise NewsletterInvalidError(
            _("Saisissez une adresse e-mail valide."), field="email"
        ) from None
    return address


def subscriber_recipient(subscriber: NewsletterSubscriber) -> Recipient:
    return Recipient(
        email=subscriber.email,
        name=subscriber.full_name,
        language=subscriber.language,
        token=unsubscribe_token(SUBSCRIBER, str(subscriber.public_id)),
    )


def contact_recipient(contact: CommercialContact) -> Recipient:
    return Recipient(
        email=contact.email,
        name=contact.full_name,
        language="fr",
        token=unsubscribe_token(CONTACT, str(contact.public_id)),
        organisation_name=contact.organisation.name,
    )


def suppression_contains(*, email: str) -> bool:
    return SuppressionEntry.objects.filter(address_digest=address_digest(email)).exists()


def _suppress(email: str, source: str) -> None:
    SuppressionEntry.objects.get_or_create(
        address_digest=address_digest(email), defaults={"source": source}
    )


def _send_after_commit(subscriber: NewsletterSubscriber, template: str, **context: object) -> None:
    message = transactional_message(
        recipient=subscriber_recipient(subscriber), template=template, context=context
    )
    transaction.on_commit(lambda: message.send(fail_silently=False))


# --- sign-up and confirmation --------------------------------------------------------------


@transaction.atomic
def newsletter_subscribe(
    *, full_name: str, email: str, language: str = "fr", request: HttpRequest | None = None
) -> NewsletterSubscriber | None:
    """A sign-up from the public form. A new address gets a pending subscriber and a
    confirmation mail with a signed link valid ``CONFIRMATION_DAYS`` days. Posting the same
    address again creates nothing: a pending sign-up gets the mail again unless one left less
    than ``RESEND_DELAY`` ago; a confirmed one gets nothing (the page says the same thing in
    every case, so the form tells nobody who subscribed). Returns the subscriber, or None when
    nothing was sent."""
    address = _clean_email(email)
    name = " ".join(full_name.split())[:NAME_MAX]
    if not name:
        raise NewsletterInvalidError(_("Indiquez votre nom."), field="full_name")
    language = language if language in {"fr", "en"} else "fr"
    now = timezone.now()
    try:
        with transaction.atomic():
            subscriber = NewsletterSubscriber.objects.create(
                full_name=name, email=address, language=language, confirmation_sent_at=now
            )
    except IntegrityError:
        existing = NewsletterSubscriber.objects.filter(email=address).first()
        if existing is None or existing.status != SubscriberStatus.PENDING:
            return None
        # One conditional update: of two posts racing, only one sends the mail again.
        resent = NewsletterSubscriber.objects.filter(
            Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=now - RESEND_DELAY),
            pk=existing.pk,
            status=SubscriberStatus.PENDING,
        ).update(confirmation_sent_at=now, full_name=name, language=language)
        if not resent:
            return None
        existing.refresh_from_db()
        subscriber = existing
        action = "marketing.newsletter_confirmation_resent"
    else:
        action = "marketing.newsletter_signed_up"
    audit_record(action=action, obj=subscriber, request=request)
    token = confirmation_token(str(subscriber.public_id))
    _send_after_commit(
        subscriber,
        "newsletter_confirm",
        confirm_url=confirmation_url(token, subscriber.language),
        days=CONFIRMATION_DAYS,
    )
    return subscriber


def newsletter_pending_get(*, token: str) -> NewsletterSubscriber | None:
    """The subscriber a valid, unexpired confirmation link names (pending or confirmed)."""
    public_id = confirmation_token_read(token)
    if public_id is None:
        return None
    return NewsletterSubscriber.objects.filter(public_id=public_id).first()


@transaction.atomic
def newsletter_confirm(
    *, token: str, request: HttpRequest | None = None
) -> NewsletterSubscriber | None:
    """The person followed the signed link and confirmed: the subscription starts, and an
    earlier suppression of the address is lifted (their own new consent). Idempotent; None
    for a forged or expired link or a sign-up already discarded."""
    public_id = confirmation_token_read(token)
    if public_id is None:
        return None
    subscriber = (
        NewsletterSubscriber.objects.select_for_update().filter(public_id=public_id).first()
    )
    if subscriber is None or subscriber.status == SubscriberStatus.CONFIRMED:
        return subscriber
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["status", "confirmed_at"])
    lifted, _by_model = SuppressionEntry.objects.filter(
        address_digest=address_digest(subscriber.email)
    ).delete()
    audit_record(
        action="marketing.newsletter_confirmed",
        obj=subscriber,
        request=request,
        details={"suppression_lifted": bool(lifted)},
    )
    _send_after_commit(subscriber, "newsletter_welcome")
    return subscriber


@transaction.atomic
def newsletter_discard_unconfirmed(*, now: datetime | None = None) -> int:
    """Sign-ups not confirmed within ``CONFIRMATION_DAYS`` days are deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=CONFIRMATION_DAYS)
    stale = NewsletterSubscriber.objects.filter(
        status=SubscriberStatus.PENDING, created_at__lt=cutoff
    )
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        NewsletterSubscriber.objects.filter(pk__in=ids).delete()
        audit_record(
            action="marketing.newsletter_unconfirmed_discarded",
            details={"count": len(ids), "ids": ids},
        )
    return len(ids)


# --- unsubscription and opt-out ------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribed:
    """What an unsubscribe link did: ``kind`` (subscriber or contact) and whether anything
    was erased now (False when it had been already)."""

    kind: str
    erased: bool


@transaction.atomic
def newsletter_unsubscribe(
    *, token: str, request: HttpRequest | None = None
) -> Unsubscribed | None:
    """One-click unsubscription or opt-out (RFC 8058), no log-in: the subscriber (or every
    commercial contact with the address, in every organisation) is deleted and only the keyed
    hash of the address stays in the suppression list. A pending sign-up unsubscribed from
    its confirmation mail is handled the same way. Idempotent; None for a forged token."""
    read = unsubscribe_token_read(token)
    if read is None:
        return None
    kind, public_id = read
    if kind == SUBSCRIBER:
        subscriber = (
            NewsletterSubscriber.objects.select_for_update().filter(public_id=public_id).first()
        )
        if subscriber is None:
            return Unsubscribed(kind=kind, erased=False)
        source = (
            SuppressionSource.NEWSLETTER
            if subscriber.status == SubscriberStatus.CONFIRMED
            else SuppressionSource.REFUSED_SIGN_UP
        )
        _suppress(subscriber.email, source)
        audit_record(
            action="marketing.newsletter_unsubscribed",
            obj=subscriber,
            request=request,
            details={"status": subscriber.status},
        )
        subscriber.delete()
        return Unsubscribed(kind=kind, erased=True)
    contact = CommercialContact.objects.filter(public_id=public_id).first()
    if contact is None:
        return Unsubscribed(kind=kind, erased=False)
    erased = _contact_opt_out(contact.email, request=request)
    return Unsubscribed(kind=kind, erased=erased > 0)


def _contact_opt_out(email: str, *, request: HttpRequest | None) -> int:
    _suppress(email, SuppressionSource.COMMERCIAL)
    rows = CommercialContact.objects.filter(email=address_normalise(email))
    ids = list(rows.values_list("pk", flat=True))
    rows.delete()
    audit_record(
        action="marketing.commercial_opted_out",
        request=request,
        details={"contact_ids": ids},
    )
    return len(ids)


_TOKEN_IN_SUBJECT = re.compile(r"unsubscribe\s+(\S+)", re.IGNORECASE)


def newsletter_unsubscribe_by_mail(*, raw: bytes) -> Unsubscribed | None:
    """The ``mailto:`` half of List-Unsubscribe: a message sent to the unsubscribe mailbox
    whose subject is ``unsubscribe <token>`` (what the header pre-fills). For an MTA pipe."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    match = _TOKEN_IN_SUBJECT.search(str(message.get("Subject", "")))
    if match is None:
        return None
    return newsletter_unsubscribe(token=match.group(1))


# --- commercial contacts -------------------------------------------------------------------


@transaction.atomic
def commercial_contact_register(
    *,
    actor: User,
    organisation: Organisation,
    full_name: str,
    email: str,
    job_title: str = "",
    commercial_info: bool,
    event_invitations: bool,
    request: HttpRequest | None = None,
) -> CommercialContact:
    """An org_admin gives a collaborator's professional contact to receive commercial
    information and/or event invitations. Refused for an address that objected (the opt-out
    is absolute) or already registered by the organisation. The caller checks the role."""
    address = _clean_email(email)
    name = " ".join(full_name.split())[:NAME_MAX]
    if not name:
        raise NewsletterInvalidError(_("Indiquez le nom de la personne."), field="full_name")
    if not (commercial_info or event_invitations):
        raise NewsletterInvalidError(
            _("Choisissez au moins un type de communication."), field="commercial_info"
        )
    if suppression_contains(email=address):
        raise ContactSuppressedError(
            _(
                "Cette personne s'est opposée à recevoir nos communications : "
                "elle ne peut pas être inscrite."
            ),
            field="email",
        )
    try:
        with transaction.atomic():
            contact = CommercialContact.objects.create(
                organisation=organisation,
                registered_by=actor,
                full_name=name,
                email=address,
                job_title=" ".join(job_title.split())[:NAME_MAX],
                commercial_info=commercial_info,
                event_invitations=event_invitations,
            )
    except IntegrityError:
        raise ContactExistsError(
            _("Cette adresse est déjà inscrite pour votre organisation."), field="email"
        ) from None
    audit_record(
        action="marketing.commercial_contact_registered",
        actor=actor,
        obj=contact,
        organisation=organisation,
        request=request,
        details={"commercial_info": commercial_info, "event_invitations": event_invitations},
    )
    return contact


@transaction.atomic
def commercial_contact_remove(
    *, actor: User, contact: CommercialContact, request: HttpRequest | None = None
) -> None:
    """The org_admin withdraws a contact they registered (no suppression: the person did not
    object, their organisation stopped giving the address)."""
    audit_record(
        action="marketing.commercial_contact_removed",
        actor=actor,
        obj=contact,
        organisation=contact.organisation,
        request=request,
    )
    contact.delete()
