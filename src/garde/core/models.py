"""The audit trail: one append-only row per state change and per read of restricted data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from garde.core.errors import AuditImmutableError


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditImmutableError("Audit events are removed only when they expire.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("Audit events cannot be changed.")

    def purge_pks(self, pks: Sequence[Any]) -> int:
        """Delete the events ``pks`` in one statement and return how many went. Only the
        retention engine calls it (``garde.core.retention``), for events its published rule has
        made due; on PostgreSQL a trigger still refuses events younger than 180 days."""
        expired = self.filter(pk__in=list(pks))
        expired.query.clear_ordering(force=True)
        return int(expired._raw_delete(expired.db))


class AuditEvent(models.Model):
    """Who did what, to which object, when and from where.

    Rows are written by services in the transaction of the change they record. No code path
    updates them (model, queryset and a database trigger all refuse) and only the retention
    engine deletes them, when the register's rule for ``core.audit_events`` makes them due.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_roles = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-occurred_at"]),
            models.Index(fields=["actor", "-occurred_at"]),
        ]
        verbose_name = _("événement d'audit")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("Audit events are removed only when they expire.")


class PeriodicJobRun(models.Model):
    """When a periodic job was last enqueued. Workers claim a due job with a conditional UPDATE,
    so with many workers on many machines each run is enqueued once."""

    name = models.CharField(max_length=100, primary_key=True)
    last_enqueued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at:%Y-%m-%d %H:%M}"
