"""The register of processing (GDPR art. 30): Garde's single source of truth. The public notice,
retention sweeps, rights-request discovery and breach impact are all derived from it.

Texts are bilingual (``*_fr`` / ``*_en``). Editing changes the working register; publishing
freezes it into a numbered ``RegisterVersion`` whose snapshot the notice and the retention
engine read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language

from garde.register.choices import (
    LegalBasis,
    NoticeSection,
    PeriodUnit,
    ProcessingRole,
    RecipientKind,
    RetentionAnchor,
)


class Bilingual(models.Model):
    """Base for vocabulary rows named in French and English."""

    name_fr = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_fr


class DataCategory(Bilingual):
    """A category of personal data, keyed like fideslang's taxonomy (``user.contact.email``),
    so imported datasets can be tied to the register."""

    key = models.CharField(max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "data categories"


class DataSubjectCategory(Bilingual):
    """A category of people (``customer``, ``prospect``, ``job_applicant`` ...)."""

    key = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["key"]


class Recipient(Bilingual):
    """Who receives the data: a group company, authorised staff, a subprocessor, a partner, an
    authority, or a recipient under legitimate interests."""

    kind = models.CharField(max_length=30, choices=RecipientKind.choices)
    country = models.CharField(max_length=2, default="FR", help_text="ISO 3166-1 alpha-2")

    class Meta:
        ordering = ["kind", "name_fr"]


class StorageLocation(Bilingual):
    """Where the data is kept (site, hosting, country)."""

    country = models.CharField(max_length=2, default="FR")

    class Meta:
        ordering = ["name_fr"]


class SecurityMeasure(Bilingual):
    """A security measure (art. 32) with the date it was last tested (R-27)."""

    description_fr = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    last_tested_at = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name_fr"]


class ProcessingActivity(models.Model):
    """One processing activity of the controller register (30(1)) or the processor register
    (30(2)). ``not_stated`` lists the fields whose value was not stated in the published policy
    and was filled with a usual reference value for the DPO to confirm."""

    slug = models.SlugField(max_length=80, unique=True)
    role = models.CharField(max_length=20, choices=ProcessingRole.choices)
    name_fr = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    description_fr = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    purposes_fr = models.TextField(help_text="one purpose per line")
    purposes_en = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=30, choices=LegalBasis.choices)
    legal_basis_detail_fr = models.TextField(blank=True)
    legal_basis_detail_en = models.TextField(blank=True)
    data_subjects = models.ManyToManyField(DataSubjectCategory, related_name="activities")
    data_categories = models.ManyToManyField(DataCategory, related_name="activities")
    sources = models.JSONField(default=list, help_text="DataSource values")
    recipients = models.ManyToManyField(Recipient, blank=True, related_name="activities")
    transfers_outside_eu_fr = models.TextField(blank=True, help_text="empty: no transfer")
    transfers_outside_eu_en = models.TextField(blank=True)
    storage_locations = models.ManyToManyField(StorageLocation, related_name="activities")
    security_measures = models.ManyToManyField(
        SecurityMeasure, blank=True, related_name="activities"
    )
    team_fr = models.CharField(max_length=200, blank=True)
    team_en = models.CharField(max_length=200, blank=True)
    client_controllers = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="processing_activities",
        help_text="processor activities: the client companies on whose behalf",
    )
    notice_section = models.CharField(
        max_length=30, choices=NoticeSection.choices, default=NoticeSection.GENERAL
    )
    not_stated = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "name_fr"]
        verbose_name_plural = "processing activities"

    def __str__(self) -> str:
        return self.name_fr


class RetentionRule(models.Model):
    """How long data of an activity is kept: ``count`` ``unit`` from ``anchor`` (a null count
    means "until the anchor event", e.g. until unsubscription). ``store`` names the purge
    handler that applies the rule (see the retention app); ``data_category`` narrows it."""

    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.CASCADE, related_name="retention_rules"
    )
    key = models.SlugField(max_length=80, unique=True)
    description_fr = models.CharField(max_length=300)
    description_en = models.CharField(max_length=300, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.YEARS)
    anchor = models.CharField(max_length=30, choices=RetentionAnchor.choices)
    store = models.CharField(
        max_length=100, blank=True, help_text="purge handler key, e.g. core.audit_events"
    )
    data_category = models.ForeignKey(
        DataCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_reference = models.CharField(max_length=300, blank=True)
    not_stated = models.BooleanField(default=False)

    class Meta:
        ordering = ["activity", "key"]

    def __str__(self) -> str:
        return self.key


class OperatorProfile(models.Model):
    """The operator's identity as the notice states it (one row)."""

    company_name = models.CharField(max_length=200, default="inherent")
    group_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    dpo_email = models.EmailField(blank=True)
    portal_url = models.URLField(blank=True)
    careers_url = models.URLField(blank=True)
    cnil_designation_reference = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.company_name


class RegisterVersion(models.Model):
    """A published, frozen register: ``snapshot`` holds every active activity with its
    vocabularies and rules, and the operator profile, as plain JSON."""

    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} ({self.published_at:%Y-%m-%d})"
