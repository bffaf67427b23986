"""The marketing app's commercial database: what visitors send through the contact and callback
forms, and the notes the marketing and sales teams keep while handling it. Kept one year from
submission (register activity ``contact-forms``, store ``marketing.contact_requests``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from garde.marketing.choices import CallbackTopic, ContactKind, ContactStatus, TimeSlot

NAME_MAX = 150
COMPANY_MAX = 150
EMAIL_MAX = 254
PHONE_MAX = 30
SUBJECT_MAX = 200
MESSAGE_MAX = 5000
NOTE_MAX = 5000


class ContactRequest(models.Model):
    """One submission of the public contact form (name, company, e-mail, phone, subject,
    message) or callback form (name, phone, preferred time slot, topic; an e-mail only if the
    visitor wants an acknowledgement). No IP address is kept. ``fingerprint`` (SHA-256 of the
    normalised content) and ``submission_key`` (the form's one-time key) recognise a submission
    sent twice; neither is personal data on its own."""

    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    status = models.CharField(
        max_length=12, choices=ContactStatus.choices, default=ContactStatus.NEW
    )
    language = models.CharField(max_length=8, default="fr")
    name = models.CharField(max_length=NAME_MAX)
    company = models.CharField(max_length=COMPANY_MAX, blank=True)
    email = models.EmailField(max_length=EMAIL_MAX, blank=True, db_index=True)
    phone = models.CharField(max_length=PHONE_MAX, blank=True, db_index=True)
    subject = models.CharField(max_length=SUBJECT_MAX, blank=True)
    message = models.TextField(max_length=MESSAGE_MAX, blank=True)
    time_slot = models.CharField(max_length=12, choices=TimeSlot.choices, blank=True)
    topic = models.CharField(max_length=16, choices=CallbackTopic.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_contact_requests",
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    fingerprint = models.CharField(max_length=64, db_index=True)
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ("-submitted_at", "-id")
        indexes = [models.Index(fields=["status", "kind", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ContactNote(models.Model):
    """A note a marketing or sales handler wrote on a submission. Deleted with it."""

    contact_request = models.ForeignKey(
        ContactRequest, on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=NOTE_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"note #{self.pk} on {self.contact_request_id}"


from garde.marketing.models_newsletter import *  # noqa: E402, F403
