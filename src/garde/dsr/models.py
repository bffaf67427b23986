"""The data map of the fulfilment engine: systems (data stores with an encrypted connection) and
the fideslang datasets that describe them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

from garde.core.crypto import decrypt_text
from garde.dsr.choices import (
    ErasureStrategy,
    NotificationStatus,
    RunKind,
    RunStatus,
    SystemType,
)
from garde.dsr.datasets import spec_from_dict
from garde.dsr.spec import DatasetSpec

SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "secret", "token", "key")
MASK = "***"


def url_mask(url: str) -> str:
    """The URL with its password (and secret-looking query parameters) replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if any(s in k.lower() for s in SECRET_QUERY_KEYS) else v) for k, v in pairs],
            safe="*",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class DataSystem(models.Model):
    """A data store holding personal data, with its connection URL encrypted at rest. The URL is
    never shown back: ``connection_display`` masks its password."""

    name = models.SlugField(max_length=100, unique=True)
    type = models.CharField(max_length=20, choices=SystemType.choices)
    url_encrypted = models.TextField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        """The decrypted connection URL, for connectors only."""
        return decrypt_text(self.url_encrypted)

    @property
    def connection_display(self) -> str:
        return url_mask(self.url)


class Dataset(models.Model):
    """A fideslang dataset as imported. ``spec`` is the validated ``DatasetSpec`` in fideslang's
    plain structure, so the engine never re-parses YAML; ``yaml_text`` is what was imported."""

    fides_key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, blank=True)
    system = models.ForeignKey(
        DataSystem, null=True, blank=True, on_delete=models.SET_NULL, related_name="datasets"
    )
    yaml_text = models.TextField()
    spec = models.JSONField()
    data_categories = models.ManyToManyField(
        "register.DataCategory", blank=True, related_name="datasets"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["fides_key"]

    def __str__(self) -> str:
        return self.fides_key

    def spec_object(self) -> DatasetSpec:
        data: dict[str, Any] = self.spec
        return spec_from_dict(data)


class FulfilmentRun(models.Model):
    """One execution of the engine for one person: an access package, an erasure (dry run then
    apply), a rectification or a restriction. Runs in the background with progress; started from
    a rights request in the console or from ``garde dsr``.

    ``identities`` (type -> value) are what the person gave; they are personal data, and are
    cleared (``identities_cleared_at``) when the run's package is purged. ``result`` holds counts,
    failures and, for an erasure dry run, the planned changes, in plain JSON."""

    kind = models.CharField(max_length=20, choices=RunKind.choices)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    request = models.ForeignKey(
        "requests.Request",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fulfilment_runs",
    )
    identities = models.JSONField(default=dict)
    identities_cleared_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    language = models.CharField(max_length=5, default="fr")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} run #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class AccessPackage(models.Model):
    """The package of an access run: a zip (data.json, one CSV per collection, index.html),
    encrypted at rest under ``<data dir>/private/dsr/``. The requester downloads it through an
    expiring link (only the token's SHA-256 is stored); each download is audited. The file is
    deleted once ``expires_at`` is past (retention handler ``dsr.access_packages``)."""

    run = models.OneToOneField(FulfilmentRun, on_delete=models.CASCADE, related_name="package")
    storage_name = models.CharField(max_length=100, unique=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)  # of the plain zip, for the receipt
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"package of run #{self.run_id}"


class ErasurePolicy(models.Model):
    """How values of one data category are erased. The most specific policy wins: a field
    categorised ``user.contact.email`` uses the policy of ``user.contact.email``, else of
    ``user.contact``, else of ``user``, else the default (GARDE_DSR_DEFAULT_STRATEGY).
    ``keep`` is for what the law requires to keep, and must give its legal reason."""

    data_category = models.CharField(max_length=200, unique=True)  # fideslang key
    strategy = models.CharField(max_length=10, choices=ErasureStrategy.choices)
    fixed_value = models.CharField(max_length=200, blank=True)
    reason_fr = models.TextField(blank=True)
    reason_en = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["data_category"]
        verbose_name_plural = "erasure policies"

    def __str__(self) -> str:
        return f"{self.data_category}: {self.strategy}"


class LegalKeep(models.Model):
    """A collection (or a whole dataset, ``collection`` blank) that erasure leaves in place
    because the law requires keeping it — invoices (Code de commerce L123-22), connection logs
    under one year (CPCE R10-13), the records of the request itself. Listed with its reason in
    every erasure answer."""

    dataset = models.CharField(max_length=200)
    collection = models.CharField(max_length=200, blank=True)
    reason_fr = models.TextField()
    reason_en = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["dataset", "collection"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "collection"], name="dsr_legal_keep_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset}:{self.collection or '*'}"


class ErasureJournalEntry(models.Model):
    """One erasure action as applied: which rows (primary keys only, never the erased values)
    of which collection were masked (with which replacement values) or deleted. Append-only;
    ``garde dsr replay-erasures`` re-applies every entry after a backup is restored."""

    run = models.ForeignKey(
        FulfilmentRun, null=True, on_delete=models.SET_NULL, related_name="journal"
    )
    sequence = models.PositiveBigIntegerField(unique=True)
    system = models.CharField(max_length=100)
    dataset = models.CharField(max_length=200)
    collection = models.CharField(max_length=200)
    deleted = models.BooleanField(default=False)
    primary_keys = models.JSONField()
    updates = models.JSONField(null=True, blank=True)  # field -> replacement value
    applied_at = models.DateTimeField(default=timezone.now)
    rows_changed = models.PositiveIntegerField(default=0)
    last_replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "erasure journal entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.dataset}:{self.collection}"


class ErasureReceipt(models.Model):
    """A signed statement of what was erased, given to the requester: ``payload`` (canonical
    JSON) signed with Garde's Ed25519 key; anyone can check it with the published public key."""

    run = models.OneToOneField(FulfilmentRun, on_delete=models.CASCADE, related_name="receipt")
    payload = models.TextField()
    signature = models.CharField(max_length=200)  # base64
    key_id = models.CharField(max_length=64)  # SHA-256 of the raw public key, hex
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"receipt of run #{self.run_id}"


class ProcessingRestriction(models.Model):
    """GDPR art. 18: while in force, Garde's own stores keep the person's data but stop using it
    (no mailing, no profiling, no change except by the DPO). Matched on an identity value."""

    identity_type = models.CharField(max_length=50)
    identity_value = models.CharField(max_length=320)
    request = models.ForeignKey(
        "requests.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["identity_type", "identity_value"])]

    def __str__(self) -> str:
        return f"restriction {self.identity_type}"


class RecipientNotification(models.Model):
    """GDPR art. 19: after an erasure, rectification or restriction, one task per recipient the
    register lists for a processing concerned; closed as done, or as not done with a reason
    (impossible, disproportionate effort)."""

    run = models.ForeignKey(FulfilmentRun, on_delete=models.CASCADE, related_name="notifications")
    activity = models.ForeignKey(
        "register.ProcessingActivity", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        "register.Recipient", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_name = models.CharField(max_length=200)  # kept if the register row goes
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.OPEN
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "activity", "recipient"], name="dsr_notification_unique"
            )
        ]

    def __str__(self) -> str:
        return f"notify {self.recipient_name}"
