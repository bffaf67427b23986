"""The register as plain JSON: what a published version freezes, what exports and the notice
read, and what the retention engine applies. One format for all of them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from garde.register.models import OperatorProfile, ProcessingActivity, RetentionRule


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _named(rows: Any, *extra: str) -> list[dict[str, Any]]:
    return [
        {"name_fr": r.name_fr, "name_en": r.name_en, **{f: getattr(r, f) for f in extra}}
        for r in rows
    ]


def operator_snapshot(profile: OperatorProfile | None) -> dict[str, Any]:
    profile = profile or OperatorProfile()
    return {
        "company_name": profile.company_name,
        "group_name": profile.group_name,
        "address": profile.address,
        "dpo_email": profile.dpo_email,
        "portal_url": profile.portal_url,
        "careers_url": profile.careers_url,
    }


def activity_snapshot(activity: ProcessingActivity) -> dict[str, Any]:
    return {
        "slug": activity.slug,
        "role": activity.role,
        "name_fr": activity.name_fr,
        "name_en": activity.name_en,
        "description_fr": activity.description_fr,
        "description_en": activity.description_en,
        "purposes_fr": _lines(activity.purposes_fr),
        "purposes_en": _lines(activity.purposes_en),
        "legal_basis": activity.legal_basis,
        "legal_basis_detail_fr": activity.legal_basis_detail_fr,
        "legal_basis_detail_en": activity.legal_basis_detail_en,
        "data_subjects": _named(activity.data_subjects.all(), "key"),
        "data_categories": _named(activity.data_categories.all(), "key"),
        "sources": list(activity.sources),
        "recipients": _named(activity.recipients.all(), "kind", "country"),
        "transfers_outside_eu_fr": activity.transfers_outside_eu_fr,
        "transfers_outside_eu_en": activity.transfers_outside_eu_en,
        "storage_locations": _named(activity.storage_locations.all(), "country"),
        "security_measures": [
            {
                "name_fr": m.name_fr,
                "name_en": m.name_en,
                "description_fr": m.description_fr,
                "description_en": m.description_en,
                "last_tested_at": m.last_tested_at.isoformat() if m.last_tested_at else None,
            }
            for m in activity.security_measures.all()
        ],
        "team_fr": activity.team_fr,
        "team_en": activity.team_en,
        "client_controllers": [
            {"id": o.pk, "name": o.name} for o in activity.client_controllers.all()
        ],
        "notice_section": activity.notice_section,
        "not_stated": list(activity.not_stated),
        "retention_rules": [
            {
                "key": r.key,
                "description_fr": r.description_fr,
                "description_en": r.description_en,
                "count": r.count,
                "unit": r.unit,
                "anchor": r.anchor,
                "store": r.store,
                "data_category": r.data_category.key if r.data_category else None,
                "legal_reference": r.legal_reference,
                "not_stated": r.not_stated,
            }
            for r in activity.retention_rules.all()
        ],
    }


def working_register_snapshot() -> dict[str, Any]:
    """The current, editable register (active activities only) in snapshot form."""
    activities = (
        ProcessingActivity.objects.filter(archived_at__isnull=True)
        .order_by("role", "slug")
        .prefetch_related(
            "data_subjects",
            "data_categories",
            "recipients",
            "storage_locations",
            "security_measures",
            "client_controllers",
            Prefetch(
                "retention_rules", queryset=RetentionRule.objects.select_related("data_category")
            ),
        )
    )
    return {
        "operator": operator_snapshot(OperatorProfile.objects.first()),
        "activities": [activity_snapshot(a) for a in activities],
    }
