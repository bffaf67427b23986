"""Published registers built by hand, in the format of ``garde.register.snapshot``, so the
retention tests do not depend on the seeded register."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from garde.core.models import AuditEvent
from garde.register.models import RegisterVersion


def retention_rule(
    key: str = "audit-events",
    *,
    store: str = "core.audit_events",
    count: int | None = 1,
    unit: str = "years",
    anchor: str = "event",
) -> dict[str, Any]:
    return {
        "key": key,
        "description_fr": f"Règle {key}",
        "description_en": f"Rule {key}",
        "count": count,
        "unit": unit,
        "anchor": anchor,
        "store": store,
        "data_category": None,
        "legal_reference": "",
        "not_stated": False,
    }


def register_publish(*rules: dict[str, Any]) -> RegisterVersion:
    """Publish a register whose one activity carries ``rules``."""
    number = (RegisterVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    activity = {
        "slug": "traceability",
        "role": "controller",
        "name_fr": "Traçabilité des actions",
        "name_en": "Traceability of actions",
        "description_fr": "",
        "description_en": "",
        "purposes_fr": ["Tracer les actions"],
        "purposes_en": ["Trace actions"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail_fr": "",
        "legal_basis_detail_en": "",
        "data_subjects": [],
        "data_categories": [],
        "sources": ["observed"],
        "recipients": [],
        "transfers_outside_eu_fr": "",
        "transfers_outside_eu_en": "",
        "storage_locations": [],
        "security_measures": [],
        "team_fr": "",
        "team_en": "",
        "client_controllers": [],
        "notice_section": "general",
        "not_stated": [],
        "retention_rules": list(rules),
    }
    operator = {
        "company_name": "inherent",
        "group_name": "",
        "address": "",
        "dpo_email": "dpo@inherent.example",
        "portal_url": "",
        "careers_url": "",
    }
    return RegisterVersion.objects.create(
        number=number, snapshot={"operator": operator, "activities": [activity]}
    )


def surviving(*events: AuditEvent) -> set[int]:
    """The ids of those of ``events`` still stored."""
    return set(
        AuditEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("pk", flat=True)
    )
