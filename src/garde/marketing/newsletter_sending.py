"""Mailings: composed and previewed by Marketing, sent by the worker over SMTP in batches.

Delivery state and the crash point
----------------------------------
Starting a send snapshots the audience into one ``MailingDelivery`` per recipient (no address
is copied). The worker then handles each delivery in three steps:

1. claim it: ``pending -> sending`` with a conditional UPDATE, committed before any SMTP
   traffic (two workers never claim the same delivery);
2. hand the message to the SMTP server;
3. record ``sending -> sent`` (or ``failed`` when the server refused it).

A crash (worker killed, machine lost) between 1 and 3 leaves the delivery in ``sending``:
nobody knows whether the server accepted the message. We chose **at most once** for that
window: on resume such deliveries become ``uncertain`` and are never sent again, and the
progress view counts them. A lost newsletter is harmless; a second copy of a marketing
message to someone is the kind of intrusion the policy promises to avoid, and the window is a
single message per worker. Deliveries not yet claimed are sent exactly once after resume;
deliveries already ``sent`` are never touched again. Every message has a stable Message-ID
per delivery (``<garde.mailing.<mailing>.<delivery>@domain>``) as a second line of defence.

Before each message the recipient is read again and checked against the suppression list:
an unsubscription or opt-out during a send is honoured for the rest of it (R-19).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.models import User
from garde.core.services import audit_record
from garde.marketing.models_newsletter import (
    CommercialContact,
    DeliveryState,
    Mailing,
    MailingAudience,
    MailingDelivery,
    MailingStatus,
    NewsletterSubscriber,
    SubscriberStatus,
    SuppressionEntry,
)
from garde.marketing.newsletter_errors import MailingStateError, NewsletterInvalidError
from garde.marketing.newsletter_mail import (
    Recipient,
    address_digest,
    mailing_message,
    sender_domain,
)
from garde.marketing.newsletter_selectors import mailing_progress
from garde.marketing.newsletter_services import contact_recipient, subscriber_recipient

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# A send whose heartbeat is older than this is considered stalled (its worker died).
STALE_AFTER = timedelta(minutes=10)
SUBJECT_MAX = 200


def _clean(subject: str, body_html: str, body_text: str, audience: str) -> tuple[str, str, str]:
    subject = " ".join(subject.split())
    if not subject or len(subject) > SUBJECT_MAX:
        raise NewsletterInvalidError(
            _("Saisissez un objet (200 caractères au plus)."), field="subject"
        )
    if not body_html.strip():
        raise NewsletterInvalidError(_("Saisissez le corps HTML."), field="body_html")
    if not body_text.strip():
        raise NewsletterInvalidError(_("Saisissez le corps texte."), field="body_text")
    if audience not in MailingAudience.values:
        raise NewsletterInvalidError(_("Choisissez un public."), field="audience")
    return subject, body_html, body_text


@transaction.atomic
def mailing_create(
    *,
    actor: User,
    audience: str,
    subject: str,
    body_html: str,
    body_text: str,
    language: str = "fr",
    request: HttpRequest | None = None,
) -> Mailing:
    subject, body_html, body_text = _clean(subject, body_html, body_text, audience)
    mailing = Mailing.objects.create(
        audience=audience,
        subject=subject,
        body_html=body_html,
        body_text=body_text,
        language=language if language in {"fr", "en"} else "fr",
        created_by=actor,
    )
    audit_record(
        action="marketing.mailing_created",
        actor=actor,
        obj=mailing,
        request=request,
        details={"audience": audience},
    )
    return mailing


@transaction.atomic
def mailing_update(
    *,
    mailing: Mailing,
    actor: User,
    audience: str,
    subject: str,
    body_html: str,
    body_text: str,
    request: HttpRequest | None = None,
) -> Mailing:
    """Edit a draft; a mailing being sent or sent is frozen."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.DRAFT:
        raise MailingStateError(_("Seul un brouillon peut être modifié."))
    mailing.subject, mailing.body_html, mailing.body_text = _clean(
        subject, body_html, body_text, audience
    )
    mailing.audience = audience
    mailing.updated_at = timezone.now()
    mailing.save(update_fields=["audience", "subject", "body_html", "body_text", "updated_at"])
    audit_record(action="marketing.mailing_updated", actor=actor, obj=mailing, request=request)
    return mailing


def _audience_deliveries(mailing: Mailing) -> list[MailingDelivery]:
    if mailing.audience == MailingAudience.NEWSLETTER:
        ids = NewsletterSubscriber.objects.filter(status=SubscriberStatus.CONFIRMED).values_list(
            "pk", flat=True
        )
        return [MailingDelivery(mailing=mailing, subscriber_id=pk) for pk in ids.iterator()]
    wanted = (
        {"commercial_info": True}
        if mailing.audience == MailingAudience.COMMERCIAL
        else {"event_invitations": True}
    )
    # One message per address, however many organisations registered it.
    first_per_address: dict[str, int] = {}
    for pk, email in (
        CommercialContact.objects.filter(**wanted).order_by("pk").values_list("pk", "email")
    ):
        first_per_address.setdefault(email, pk)
    return [MailingDelivery(mailing=mailing, contact_id=pk) for pk in first_per_address.values()]


def _enqueue(mailing_id: int) -> None:
    from garde.marketing.newsletter_tasks import newsletter_mailing_send_task

    transaction.on_commit(lambda: newsletter_mailing_send_task.enqueue(mailing_id))


@transaction.atomic
def mailing_send(*, mailing: Mailing, actor: User, request: HttpRequest | None = None) -> int:
    """Start sending a draft: snapshot its audience and enqueue the worker after commit.
    Returns the number of recipients."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.DRAFT:
        raise MailingStateError(_("Ce mailing a déjà été envoyé."))
    deliveries = _audience_deliveries(mailing)
    MailingDelivery.objects.bulk_create(deliveries, batch_size=1000)
    now = timezone.now()
    mailing.status = MailingStatus.SENDING
    mailing.started_at = now
    mailing.heartbeat_at = now
    mailing.save(update_fields=["status", "started_at", "heartbeat_at"])
    audit_record(
        action="marketing.mailing_send_started",
        actor=actor,
        obj=mailing,
        request=request,
        details={"recipients": len(deliveries)},
    )
    _enqueue(mailing.pk)
    return len(deliveries)


@transaction.atomic
def mailing_resume(
    *, mailing: Mailing, actor: User | None = None, stale_after: timedelta = STALE_AFTER
) -> int:
    """Resume a send whose worker died: deliveries claimed more than ``stale_after`` ago and
    never recorded are marked ``uncertain`` (not sent again: at most once), and the worker is
    enqueued for the rest. Returns how many became uncertain."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.SENDING:
        raise MailingStateError(_("Ce mailing n'est pas en cours d'envoi."))
    cutoff = timezone.now() - stale_after
    uncertain = MailingDelivery.objects.filter(
        mailing=mailing, state=DeliveryState.SENDING, claimed_at__lte=cutoff
    ).update(state=DeliveryState.UNCERTAIN)
    mailing.heartbeat_at = timezone.now()
    mailing.save(update_fields=["heartbeat_at"])
    audit_record(
        action="marketing.mailing_resumed",
        actor=actor,
        obj=mailing,
        details={"uncertain": uncertain},
    )
    _enqueue(mailing.pk)
    return uncertain


def mailings_resume_stalled() -> list[int]:
    """Resume every send whose heartbeat stopped ``STALE_AFTER`` ago (periodic job)."""
    cutoff = timezone.now() - STALE_AFTER
    stalled = list(
        Mailing.objects.filter(status=MailingStatus.SENDING, heartbeat_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in stalled:
        mailing_resume(mailing=Mailing.objects.get(pk=pk))
    return stalled


def _recipient(delivery: MailingDelivery) -> Recipient | None:
    if delivery.subscriber is not None:
        if delivery.subscriber.status != SubscriberStatus.CONFIRMED:
            return None
        return subscriber_recipient(delivery.subscriber)
    if delivery.contact is not None:
        return contact_recipient(delivery.contact)
    return None


def _record(pk: int, state: str, **fields: object) -> None:
    MailingDelivery.objects.filter(pk=pk, state=DeliveryState.SENDING).update(state=state, **fields)


def mailing_send_batch(*, mailing_id: int, batch_size: int = BATCH_SIZE) -> bool:
    """Send up to ``batch_size`` pending deliveries of a mailing over one SMTP connection.
    Returns True when deliveries are left to send. Runs outside any transaction: each state
    change commits on its own (see the module docstring). Safe to run twice or in parallel."""
    mailing = Mailing.objects.filter(pk=mailing_id, status=MailingStatus.SENDING).first()
    if mailing is None:
        return False
    pending = list(
        MailingDelivery.objects.filter(mailing=mailing, state=DeliveryState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not pending:
        _finish_if_done(mailing)
        return False
    domain = sender_domain()
    with get_connection(fail_silently=False) as connection:
        for pk in pending:
            claimed = MailingDelivery.objects.filter(pk=pk, state=DeliveryState.PENDING).update(
                state=DeliveryState.SENDING, claimed_at=timezone.now()
            )
            if not claimed:
                continue  # another worker has it
            delivery = MailingDelivery.objects.select_related(
                "subscriber", "contact__organisation"
            ).get(pk=pk)
            recipient = _recipient(delivery)
            if (
                recipient is None
                or SuppressionEntry.objects.filter(
                    address_digest=address_digest(recipient.email)
                ).exists()
            ):
                _record(pk, DeliveryState.SKIPPED)
                continue
            message = mailing_message(
                subject=mailing.subject,
                body_html=mailing.body_html,
                body_text=mailing.body_text,
                audience=mailing.audience,
                recipient=recipient,
                message_id=f"<garde.mailing.{mailing.pk}.{pk}@{domain}>",
                connection=connection,
            )
            try:
                message.send(fail_silently=False)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                # The server answered: it refused this message, the others may go.
                _record(pk, DeliveryState.FAILED, error=type(error).__name__)
                continue
            _record(pk, DeliveryState.SENT, sent_at=timezone.now())
            Mailing.objects.filter(pk=mailing.pk).update(heartbeat_at=timezone.now())
    if MailingDelivery.objects.filter(mailing=mailing, state=DeliveryState.PENDING).exists():
        return True
    _finish_if_done(mailing)
    return False


def _finish_if_done(mailing: Mailing) -> None:
    with transaction.atomic():
        locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if locked.status != MailingStatus.SENDING:
            return
        open_states = [DeliveryState.PENDING, DeliveryState.SENDING]
        if MailingDelivery.objects.filter(mailing=locked, state__in=open_states).exists():
            return
        locked.status = MailingStatus.SENT
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        audit_record(
            action="marketing.mailing_sent", obj=locked, details=mailing_progress(mailing=locked)
        )


__all__ = [
    "BATCH_SIZE",
    "STALE_AFTER",
    "mailing_create",
    "mailing_resume",
    "mailing_send",
    "mailing_send_batch",
    "mailing_update",
    "mailings_resume_stalled",
]
