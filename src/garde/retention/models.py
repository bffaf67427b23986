"""Legal holds, sweeps and their deletion logs.

A sweep applies every retention rule of the latest published register through the purge
handler registered for the rule's store (``garde.retention.registry``) and writes one
``DeletionLog`` per rule: what was erased (count, anchor range, a hash of the identifiers), what
was kept because of a legal hold and why, or why the rule was not enforced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.retention.choices import HoldBasis, PurgeMode, RuleOutcome, SweepStatus, SweepTrigger

_PERSON = Q(user__isnull=False) | ~Q(email="")
_ORGANISATION = Q(organisation__isnull=False)
_REQUEST = ~Q(request_reference="")


class LegalHold(models.Model):
    """Stops the erasure of the records of one person (an account, an e-mail address, or both),
    one organisation, or one request, for a stated reason and legal basis (GDPR art. 17(3),
    R-14). A hold is active until it is released or its ``until`` passes; after that the next
    sweep erases what it kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("compte"),
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    request_reference = models.CharField(_("référence de la demande"), max_length=100, blank=True)
    reason = models.TextField(_("motif"))
    legal_basis = models.CharField(_("fondement"), max_length=30, choices=HoldBasis.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(_("jusqu'au"), null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(_PERSON & ~_ORGANISATION & ~_REQUEST)
                | (~_PERSON & _ORGANISATION & ~_REQUEST)
                | (~_PERSON & ~_ORGANISATION & _REQUEST),
                name="retention_hold_one_target",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="retention_hold_has_reason"),
        ]
        verbose_name = _("gel de suppression")

    def __str__(self) -> str:
        return f"hold #{self.pk}: {self.reason[:60]}"

    @property
    def target_kind(self) -> str:
        if self.organisation_id is not None:
            return "organisation"
        if self.request_reference:
            return "request"
        return "person"


class SweepRun(models.Model):
    """One pass of the retention engine over the published rules. ``erased_count`` and
    ``held_count`` total its deletion logs (in a dry run: what would have been erased).

    At most one real (not dry-run) sweep runs at a time: a partial unique index refuses a
    second one, so a sweep started by hand cannot race the daily one."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=20, choices=SweepTrigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=SweepStatus.choices, default=SweepStatus.RUNNING
    )
    register_version = models.PositiveIntegerField(null=True, blank=True)
    erased_count = models.PositiveBigIntegerField(default=0)
    held_count = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running", dry_run=False),
                name="retention_one_running_sweep",
            )
        ]
        verbose_name = _("passe de conservation")

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "sweep"
        return f"{kind} #{self.pk} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class DeletionLog(models.Model):
    """What one sweep did with one published rule.

    ``identifiers_sha256`` commits to the erased records without keeping them. It is a chain
    over the erased identifiers in the order they were erased (ascending primary key), cut into
    consecutive chunks of ``batch_size`` (the last chunk may be shorter)::

        chunk_hash_i = sha256(sorted identifiers of chunk i, each followed by "\\n")
        chain_0      = ""
        chain_i      = sha256(chain_(i-1) + chunk_hash_i)      (hex strings, ASCII)

    The value is ``chain_n`` in hex, or empty when nothing was erased. It is computed one
    batch at a time, so memory does not depend on the row count, and the log row is updated in
    the transaction of each batch, so it always matches what was erased. Anyone holding the
    list of erased identifiers can recompute it (``garde.retention.registry.identifiers_chain``).
    In a dry run the counts, range and hash describe what would have been erased.
    """

    sweep = models.ForeignKey(SweepRun, on_delete=models.PROTECT, related_name="logs")
    rule_key = models.CharField(max_length=80)
    activity_slug = models.CharField(max_length=80, blank=True)
    store = models.CharField(max_length=100, blank=True)
    rule_count = models.PositiveIntegerField(null=True, blank=True)
    rule_unit = models.CharField(max_length=10, blank=True)
    rule_anchor = models.CharField(max_length=30, blank=True)
    outcome = models.CharField(max_length=20, choices=RuleOutcome.choices)
    mode = models.CharField(max_length=20, choices=PurgeMode.choices, blank=True)
    note = models.TextField(blank=True)
    cutoff = models.DateTimeField(null=True, blank=True)
    batch_size = models.PositiveIntegerField(default=0)
    erased_count = models.PositiveBigIntegerField(default=0)
    anchor_min = models.DateTimeField(null=True, blank=True)
    anchor_max = models.DateTimeField(null=True, blank=True)
    identifiers_sha256 = models.CharField(max_length=64, blank=True)
    held_count = models.PositiveBigIntegerField(default=0)
    held_reasons = models.JSONField(
        default=list, blank=True, help_text="[{hold, reason, legal_basis, count}]"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sweep", "id"]
        indexes = [models.Index(fields=["rule_key", "-created_at"])]
        verbose_name = _("journal de suppression")

    def __str__(self) -> str:
        return f"{self.rule_key} {self.store}: {self.erased_count}"
