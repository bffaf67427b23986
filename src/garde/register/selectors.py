"""Reading the register: published versions and the rules they contain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from garde.register.models import RegisterVersion


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
