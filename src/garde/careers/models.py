"""Job offers and the applications sent to them (or spontaneously)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.careers.choices import ApplicationStatus


class JobOffer(models.Model):
    """An offer HR publishes; only open offers are listed on the public careers page."""

    title = models.CharField(_("intitulé"), max_length=200)
    location = models.CharField(_("lieu"), max_length=200)
    description = models.TextField(_("description"))
    is_open = models.BooleanField(_("ouverte"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Application(models.Model):
    """One candidate's application, to an offer or spontaneous (``offer`` empty). The fields
    are the policy's list and no more (R-71): identity, contact, position sought, CV,
    motivation. The CV is a file encrypted under the private area (``cv_storage_name``).

    Retention (R-70): erased one year after ``submitted_at`` in every case; three months after
    ``process_ended_at`` when refused without ``keep_for_other_offers``; at once when the
    candidate withdraws it."""

    offer = models.ForeignKey(
        JobOffer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    full_name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("adresse e-mail"), max_length=254)
    phone = models.CharField(_("téléphone"), max_length=40)
    position = models.CharField(_("poste recherché"), max_length=200)
    motivation = models.TextField(_("motivation"))
    keep_for_other_offers = models.BooleanField(default=False)
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    process_ended_at = models.DateTimeField(null=True, blank=True)
    # The form's one-time key: a second post of the same form finds the first application.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4)
    cv_name = models.CharField(max_length=255)
    cv_content_type = models.CharField(max_length=150)
    cv_size = models.PositiveIntegerField()
    cv_sha256 = models.CharField(max_length=64)
    cv_storage_name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["process_ended_at"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.submitted_at:%Y-%m-%d})"


class ApplicationNote(models.Model):
    """An HR note on an application, erased with it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on application {self.application_id}"
