"""Reading the register: published versions and the rules they contain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from garde.register.models import ProcessingActivity, RegisterVersion, RetentionRule


@dataclass(frozen=True)
class PublishedRetentionRule:
    """A retention rule as the latest published register states it."""

    key: str
    activity_slug: str
    description_fr: str
    description_en: str
    count: int | None
    unit: str
    anchor: str
    store: str
    data_category: str | None
    legal_reference: str
    not_stated: bool


def register_version_latest() -> RegisterVersion | None:
    return RegisterVersion.objects.order_by("-number").first()


def register_version_get(*, number: int) -> RegisterVersion | None:
    return RegisterVersion.objects.filter(number=number).first()


def retention_rules_published(
    version: RegisterVersion | None = None,
) -> list[PublishedRetentionRule]:
    """Every retention rule of ``version`` (default: the latest published one)."""
    version = version or register_version_latest()
    if version is None:
        return []
    snapshot: dict[str, Any] = version.snapshot
    return [
        PublishedRetentionRule(
            key=rule["key"],
            activity_slug=activity["slug"],
            description_fr=rule["description_fr"],
            description_en=rule["description_en"],
            count=rule["count"],
            unit=rule["unit"],
            anchor=rule["anchor"],
            store=rule["store"],
            data_category=rule["data_category"],
            legal_reference=rule["legal_reference"],
            not_stated=rule["not_stated"],
        )
        for activity in snapshot["activities"]
        for rule in activity["retention_rules"]
    ]


def register_version_list() -> QuerySet[RegisterVersion]:
    """Every published version, newest first, without its snapshot (list pages)."""
    return RegisterVersion.objects.order_by("-number").defer("snapshot")


def activity_list(
    *, query: str = "", role: str = "", archived: str = "active"
) -> QuerySet[ProcessingActivity]:
    """Activities of the working register for the console list, by register then name, with
    their number of retention rules and their client controllers (two queries).
    ``archived``: "active" (default), "archived" or "all"."""
    activities = (
        ProcessingActivity.objects.annotate(rule_count=Count("retention_rules"))
        .prefetch_related("client_controllers")
        .order_by("role", "name_fr", "pk")
    )
    if query:
        activities = activities.filter(
            Q(name_fr__icontains=query) | Q(name_en__icontains=query) | Q(slug__icontains=query)
        )
    if role:
        activities = activities.filter(role=role)
    if archived == "active":
        activities = activities.filter(archived_at__isnull=True)
    elif archived == "archived":
        activities = activities.filter(archived_at__isnull=False)
    return activities


def activity_get(*, slug: str) -> ProcessingActivity | None:
    """One activity with everything its console page shows."""
    return (
        ProcessingActivity.objects.filter(slug=slug)
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
        .first()
    )


def retention_rule_get(*, activity: ProcessingActivity, rule_id: int) -> RetentionRule | None:
    return RetentionRule.objects.filter(activity=activity, pk=rule_id).first()
