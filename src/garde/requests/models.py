"""Requests filed through the "RGPD" tab or the public form, their messages and attachments.

One table for the four kinds (rights, assistance, PIA information, breach report) so that the
DPO console lists them together by due date; fields that only one kind uses are blank for the
others. State changes go through ``requests.services`` and its transition table.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from garde.requests.choices import (
    Channel,
    Queue,
    RefusalReason,
    RequesterRelation,
    RequestKind,
    Right,
    Status,
)


class Request(models.Model):
    """A request with its legal clock: ``received_at`` is the real receipt time (entered by
    staff for post, e-mail or telephone), ``due_date`` one month later (R-01), moved by an
    extension (R-02) only before the first deadline."""

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=5, default="fr")

    # Who asked
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rgpd_requests",
    )
    requester_name = models.CharField(max_length=150)
    requester_email = models.EmailField()
    requester_relation = models.CharField(max_length=30, choices=RequesterRelation.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rgpd_requests",
        help_text="the requester's organisation (portal users)",
    )
    client_organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the client whose hosted data the request is about",
    )
    client_name_given = models.CharField(max_length=200, blank=True)

    # What
    rights = models.JSONField(default=list, blank=True)
    services = models.CharField(max_length=300, blank=True)
    description = models.TextField(max_length=10000)
    client_due_date = models.DateField(
        null=True, blank=True, help_text="assistance: the client's own deadline"
    )
    breach_occurred_at = models.DateTimeField(null=True, blank=True)
    breach_data = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
        help_text="assistance opened by escalating this request",
    )

    # Routing and handling
    queue = models.CharField(max_length=20, choices=Queue.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    forwarded_to_email = models.EmailField(blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)

    # The clock
    received_at = models.DateTimeField()
    due_date = models.DateField()
    extended_due_date = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    extension_notified_at = models.DateTimeField(null=True, blank=True)
    identity_doubt_reason = models.TextField(blank=True)
    identity_requested_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(max_length=30, choices=RefusalReason.choices, blank=True)
    refusal_detail = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminder_7d_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_2d_sent_at = models.DateTimeField(null=True, blank=True)

    # People without an account follow the request through a signed link.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    follow_token_hash = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["queue", "status", "due_date"]),
            models.Index(fields=["organisation", "status"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def rights_labels(self) -> list[str]:
        """The rights asked for, by their names in the active language."""
        return [str(Right(r).label) if r in Right.values else r for r in self.rights]

    @property
    def effective_due_date(self) -> date:
        return self.extended_due_date or self.due_date


class Message(models.Model):
    """A message of the thread with the requester, or an internal note (never shown to the
    requester)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_requester = models.BooleanField(default=False)
    internal = models.BooleanField(default=False)
    body = models.TextField(max_length=20000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.request_id}"


class Attachment(models.Model):
    """A file joined to a request, checked by content, stored encrypted under the private
    area, served only to the people on the request through audited downloads."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_requester = models.BooleanField(default=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class StatusChange(models.Model):
    """The request's timeline: every transition with who made it and why."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"
