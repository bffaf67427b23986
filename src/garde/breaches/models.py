"""The breach register (GDPR art. 33(5)): every personal-data breach, notified or not, with its
facts, its risk assessment, its decisions and every notification made about it.

State changes go through ``breaches.services``; nothing here is ever deleted (R-34).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from garde.breaches.choices import (
    BreachSource,
    BreachStatus,
    CampaignStatus,
    Circumstance,
    NotificationKind,
    Origin,
    PersonsDecision,
    RecipientStatus,
    Regime,
    RiskLevel,
)

GDPR_HOURS = 72
TELECOM_HOURS = 24
TELECOM_COMPLEMENT_DAYS = 3


class Breach(models.Model):
    """One breach. ``aware_at`` starts the clock: 72 hours under the GDPR (art. 33(1)), 24
    hours under the telecom regime (Regulation 611/2013 art. 2(2)), which ``regime`` records
    from the services concerned."""

    reference = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=20, choices=BreachSource.choices)
    report = models.ForeignKey(
        "requests.Request",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breaches",
        help_text="the breach report filed in the RGPD tab",
    )
    status = models.CharField(
        max_length=10, choices=BreachStatus.choices, default=BreachStatus.OPEN
    )
    title = models.CharField(max_length=200)

    # Chronology
    discovered_at = models.DateTimeField()
    discovery_method = models.TextField(help_text="how the breach was discovered")
    aware_at = models.DateTimeField(help_text="when the operator became aware: the clock starts")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="empty: ongoing")

    # Facts
    description = models.TextField()
    natures = models.JSONField(default=list, help_text="Nature values")
    circumstance = models.CharField(max_length=20, choices=Circumstance.choices, blank=True)
    origin = models.CharField(max_length=25, choices=Origin.choices, default=Origin.UNKNOWN)
    services = models.JSONField(default=list, blank=True, help_text="ServiceKind values")
    regime = models.CharField(max_length=10, choices=Regime.choices, default=Regime.GDPR)
    activities = models.ManyToManyField(
        "register.ProcessingActivity", blank=True, related_name="breaches"
    )
    data_categories = models.ManyToManyField(
        "register.DataCategory", blank=True, related_name="breaches"
    )
    data_detail = models.TextField(blank=True)
    subject_categories = models.ManyToManyField(
        "register.DataSubjectCategory", blank=True, related_name="breaches"
    )
    people_count = models.PositiveIntegerField(null=True, blank=True, help_text="approximate")
    records_count = models.PositiveIntegerField(null=True, blank=True, help_text="approximate")
    vulnerable_people = models.BooleanField(default=False, help_text="minors, vulnerable people")
    consequences = models.TextField(blank=True)
    measures_taken = models.TextField(blank=True)
    measures_proposed = models.TextField(blank=True)
    prior_measures = models.TextField(blank=True, help_text="e.g. encryption in place")
    dpo_contact = models.TextField()
    cross_border = models.TextField(blank=True)
    other_providers = models.TextField(blank=True, help_text="telecom: other providers involved")

    # Risk assessment (ENISA severity: DPC x EI + CB)
    dpc = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    ei = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    cb = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    assessment_factors = models.JSONField(default=dict, blank=True)
    severity = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    risk_rationale = models.TextField(blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)

    # Decisions
    notify_authority = models.BooleanField(null=True, blank=True)
    notify_reason = models.TextField(blank=True)
    persons_decision = models.CharField(
        max_length=15, choices=PersonsDecision.choices, blank=True, default=""
    )
    persons_reason = models.TextField(blank=True)
    public_notice_url = models.URLField(blank=True)
    clients_notified_at = models.DateTimeField(null=True, blank=True)

    # Handling
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_breaches"
    )
    reminder_soon_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_late_sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-aware_at", "-id"]
        verbose_name_plural = "breaches"

    def __str__(self) -> str:
        return self.reference

    @property
    def deadline(self) -> datetime:
        """When the authority must have been notified: clock hours, weekends and nights
        included, so computed on absolute time (a DST change does not move it)."""
        hours = TELECOM_HOURS if self.regime == Regime.TELECOM else GDPR_HOURS
        # Python adds a timedelta to an aware datetime on the wall clock of its own zone: go
        # through UTC so 72 hours are 72 elapsed hours whatever the zone it was given in.
        return self.aware_at.astimezone(UTC) + timedelta(hours=hours)


class Decision(models.Model):
    """The decision log: who decided what, when and why."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="decisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=40)
    decision = models.TextField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.decision}"


class AuthorityNotification(models.Model):
    """A notification to the CNIL, drafted then sent. ``content`` freezes the CNIL form's
    fields at drafting time; each notification keeps its own dates (phased notification)."""

    breach = models.ForeignKey(
        Breach, on_delete=models.PROTECT, related_name="authority_notifications"
    )
    kind = models.CharField(max_length=15, choices=NotificationKind.choices)
    content = models.JSONField(default=dict)
    drafted_at = models.DateTimeField(default=timezone.now)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    cnil_reference = models.CharField(max_length=100, blank=True)
    delay_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["drafted_at", "id"]

    def __str__(self) -> str:
        return f"{self.breach_id} {self.kind}"


class ClientNotice(models.Model):
    """A breach notified to a client company (the operator as processor, art. 33(2)), with the
    client's acknowledgement."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="client_notices")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="breach_notices"
    )
    emails = models.JSONField(default=list)
    summary = models.JSONField(default=dict, help_text="the art. 33(3) facts sent")
    notified_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-notified_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["breach", "organisation"], name="one_notice_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.breach_id} -> {self.organisation_id}"


class ClientQuestion(models.Model):
    """A question a client asks about a notice, or the operator's answer."""

    notice = models.ForeignKey(ClientNotice, on_delete=models.PROTECT, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_client = models.BooleanField(default=True)
    body = models.TextField(max_length=10000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"question {self.pk}"


class PersonCampaign(models.Model):
    """The art. 34 message to the people concerned, sent by the worker."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="campaigns")
    language = models.CharField(max_length=5, default="fr")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    recommendations = models.TextField(blank=True)
    source = models.CharField(max_length=20, help_text="search or csv")
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"campaign {self.pk}"


class PersonRecipient(models.Model):
    """One person to tell, with the status of their message."""

    campaign = models.ForeignKey(
        PersonCampaign, on_delete=models.PROTECT, related_name="recipients"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=RecipientStatus.choices, default=RecipientStatus.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "email"], name="one_message_per_person")
        ]

    def __str__(self) -> str:
        return self.email
