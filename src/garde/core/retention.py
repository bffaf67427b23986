"""The stores core owns, for the retention engine: the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from garde.core.models import AuditEvent
from garde.register.choices import RetentionAnchor
from garde.retention.registry import ModelPurgeHandler, registry

# CNIL 2021-122 keeps application logs six months at least; on PostgreSQL a trigger refuses to
# delete younger events (core.0002), so a shorter published rule is applied as six months.
AUDIT_MINIMUM_AGE = timedelta(days=180)


class AuditEventPurgeHandler(ModelPurgeHandler):
    """Audit events refuse the ORM's delete(); expired ones go through ``purge_pks``."""

    def erase(self, pks: Sequence[Any]) -> int:
        return AuditEvent.objects.purge_pks(pks)


registry.register(
    AuditEventPurgeHandler(
        key="core.audit_events",
        description=_("Journal d'audit (core.AuditEvent)"),
        model=AuditEvent,
        anchor_fields={RetentionAnchor.EVENT: "occurred_at"},
        user_field="actor",
        email_field="actor__email",
        organisation_field="organisation",
        minimum_age=AUDIT_MINIMUM_AGE,
    )
)
