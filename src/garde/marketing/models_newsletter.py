"""Newsletter and commercial communications: subscribers (double opt-in), the suppression list
that outlives an unsubscription, the professional contacts a client registers for commercial
information and event invitations, mailings and their per-recipient delivery state.

Star-imported at the end of ``garde.marketing.models`` so Django finds the models; ``__all__``
says what that import brings in.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CommercialContact",
    "DeliveryState",
    "Mailing",
    "MailingAudience",
    "MailingDelivery",
    "MailingStatus",
    "NewsletterSubscriber",
    "SubscriberStatus",
    "SuppressionEntry",
    "SuppressionSource",
]


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("en attente de confirmation")
    CONFIRMED = "confirmed", _("confirmé")


class SuppressionSource(models.TextChoices):
    NEWSLETTER = "newsletter", _("désinscription de la newsletter")
    COMMERCIAL = "commercial", _("opposition aux communications commerciales")
    REFUSED_SIGN_UP = "refused_sign_up", _("inscription refusée depuis le mail de confirmation")


class MailingAudience(models.TextChoices):
    NEWSLETTER = "newsletter", _("Abonnés à la newsletter")
    COMMERCIAL = "commercial", _("Contacts professionnels : informations commerciales")
    EVENTS = "events", _("Contacts professionnels : invitations aux événements")


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    SENDING = "sending", _("envoi en cours")
    SENT = "sent", _("envoyé")


class DeliveryState(models.TextChoices):
    """One recipient of one mailing. ``sending`` is recorded (committed) before the SMTP
    transaction and ``sent`` after it; a delivery found in ``sending`` after a crash is
    ``uncertain`` and is never sent again (at most once, see ``newsletter_sending``)."""

    PENDING = "pending", _("à envoyer")
    SENDING = "sending", _("en cours")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("refusé par le serveur")
    SKIPPED = "skipped", _("ignoré (désinscrit ou opposé)")
    UNCERTAIN = "uncertain", _("incertain (interrompu, non renvoyé)")


class NewsletterSubscriber(models.Model):
    """A newsletter sign-up: ``pending`` until the signed link is followed (deleted after 7
    days otherwise), then ``confirmed``. Unsubscribing deletes the row; only a keyed hash of
    the address stays, in ``SuppressionEntry``. ``public_id`` is what the signed links carry."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254, unique=True)
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(
        max_length=16, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"subscriber {self.pk} ({self.status})"


class SuppressionEntry(models.Model):
    """An address that must never receive marketing mail again (GDPR art. 21(3)), kept as an
    HMAC-SHA256 keyed with a secret derived from the instance's SECRET_KEY: the address
    itself is gone, but a sender holding it can tell it is suppressed."""

    address_digest = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=20, choices=SuppressionSource.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "suppression entries"

    def __str__(self) -> str:
        return f"suppression {self.pk} ({self.source})"


class CommercialContact(models.Model):
    """A collaborator's professional contact, registered by their organisation's org_admin to
    receive the operator's commercial information and/or invitations to agency events (the
    policy: giving these details is accepting these messages). An opt-out deletes every row
    with the address and suppresses it. Kept three years after ``last_contact_at``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="commercial_contacts"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    full_name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    job_title = models.CharField(max_length=150, blank=True)
    commercial_info = models.BooleanField(default=True)
    event_invitations = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_contact_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"], name="marketing_contact_org_email_unique"
            )
        ]

    def __str__(self) -> str:
        return f"commercial contact {self.pk}"


class Mailing(models.Model):
    """A message Marketing composes in the console, previews, then has the worker send to one
    audience. ``heartbeat_at`` moves with every delivery, so a stalled send can be told from
    a running one."""

    audience = models.CharField(max_length=16, choices=MailingAudience.choices)
    subject = models.CharField(max_length=200)
    body_html = models.TextField()
    body_text = models.TextField()
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(
        max_length=16, choices=MailingStatus.choices, default=MailingStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"mailing {self.pk} ({self.status})"


class MailingDelivery(models.Model):
    """One recipient of one mailing, created when sending starts. It holds no address: the
    recipient is read at send time, and an unsubscription or opt-out in between sets the
    link to null, so the delivery is skipped."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        NewsletterSubscriber,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    contact = models.ForeignKey(
        CommercialContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["mailing", "state"], name="marketing_delivery_state")]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.state})"
