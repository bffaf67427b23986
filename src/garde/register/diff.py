"""Comparing two published versions of the register: per activity (matched by slug), what was
added, removed or changed, field by field, with the old and new values.

Pure functions over snapshot dicts (see ``snapshot.py``): no database, so any two snapshots,
including ones from older formats, can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from garde.register.formatting import named_label, retention_period_text

Status = Literal["added", "removed", "changed"]

# Lists of vocabulary entries, compared entry by entry and shown by name.
NAMED_LIST_FIELDS = (
    "data_subjects",
    "data_categories",
    "recipients",
    "storage_locations",
    "security_measures",
    "client_controllers",
)
RULE_ATTRIBUTES = (
    "description_fr",
    "description_en",
    "store",
    "data_category",
    "legal_reference",
    "not_stated",
)
_SKIPPED = frozenset({"slug", "retention_rules"})


@dataclass(frozen=True)
class FieldChange:
    """One field of an activity whose value differs. ``field`` is the snapshot key, or
    ``retention_rules.<key>`` / ``retention_rules.<key>.<attribute>`` for a retention rule
    (``period`` joins count, unit and anchor). For lists, ``added`` and ``removed`` name the
    entries that differ."""

    field: str
    old: Any
    new: Any
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def old_text(self) -> str:
        return _text(self.old)

    @property
    def new_text(self) -> str:
        return _text(self.new)


@dataclass(frozen=True)
class ActivityDiff:
    """What differs for one activity between two versions."""

    slug: str
    name: str
    role: str
    status: Status
    changes: tuple[FieldChange, ...]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _text(value: Any) -> str:
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return " | ".join(_text(v) for v in value)
    return str(value)


def _label(field: str, item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    label = named_label(item)
    if field in {"data_subjects", "data_categories"} and item.get("key"):
        return f"{label} ({item['key']})"
    if field == "security_measures" and item.get("last_tested_at"):
        return f"{label} (testée le {item['last_tested_at']})"
    if field in {"recipients", "storage_locations"} and item.get("country"):
        return f"{label} [{item['country']}]"
    return label


def _named_list_change(field: str, old: list[Any], new: list[Any]) -> FieldChange | None:
    if old == new:
        return None
    added = tuple(_label(field, item) for item in new if item not in old)
    removed = tuple(_label(field, item) for item in old if item not in new)
    if not added and not removed:  # same entries, another order
        return None
    return FieldChange(
        field=field,
        old=[_label(field, item) for item in old],
        new=[_label(field, item) for item in new],
        added=added,
        removed=removed,
    )


def _plain_list_change(field: str, old: list[Any], new: list[Any]) -> FieldChange | None:
    if old == new:
        return None
    return FieldChange(
        field=field,
        old=list(old),
        new=list(new),
        added=tuple(str(v) for v in new if v not in old),
        removed=tuple(str(v) for v in old if v not in new),
    )


def _rule_summary(rule: dict[str, Any]) -> str:
    return f"{rule.get('description_fr', '')} : {retention_period_text(rule)}"


def _rule_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[FieldChange]:
    old_rules = {r["key"]: r for r in old}
    new_rules = {r["key"]: r for r in new}
    changes: list[FieldChange] = []
    for key, rule in new_rules.items():
        previous = old_rules.get(key)
        if previous is None:
            changes.append(FieldChange(f"retention_rules.{key}", None, _rule_summary(rule)))
            continue
        old_period, new_period = retention_period_text(previous), retention_period_text(rule)
        if old_period != new_period:
            changes.append(FieldChange(f"retention_rules.{key}.period", old_period, new_period))
        changes.extend(
            FieldChange(f"retention_rules.{key}.{name}", previous.get(name), rule.get(name))
            for name in RULE_ATTRIBUTES
            if previous.get(name) != rule.get(name)
        )
    changes.extend(
        FieldChange(f"retention_rules.{key}", _rule_summary(rule), None)
        for key, rule in old_rules.items()
        if key not in new_rules
    )
    return changes


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for field in [*new, *(f for f in old if f not in new)]:
        if field in _SKIPPED:
            continue
        before, after = old.get(field), new.get(field)
        if _empty(before) and _empty(after):
            continue
        if field in NAMED_LIST_FIELDS:
            change = _named_list_change(field, before or [], after or [])
        elif isinstance(before, list) or isinstance(after, list):
            change = _plain_list_change(field, before or [], after or [])
        else:
            change = None if before == after else FieldChange(field, before, after)
        if change is not None:
            changes.append(change)
    changes.extend(_rule_changes(old.get("retention_rules", []), new.get("retention_rules", [])))
    return changes


def register_diff(old_snapshot: dict[str, Any], new_snapshot: dict[str, Any]) -> list[ActivityDiff]:
    """The activities that differ between two snapshots, in the new snapshot's order, then the
    removed ones. An added activity lists all its fields as new, a removed one as old."""
    old_activities = {a["slug"]: a for a in old_snapshot.get("activities", [])}
    new_activities = {a["slug"]: a for a in new_snapshot.get("activities", [])}
    diffs: list[ActivityDiff] = []
    for slug, activity in new_activities.items():
        previous = old_activities.get(slug)
        changes = _field_changes(previous or {}, activity)
        if previous is not None and not changes:
            continue
        diffs.append(
            ActivityDiff(
                slug=slug,
                name=activity.get("name_fr", slug),
                role=activity.get("role", ""),
                status="added" if previous is None else "changed",
                changes=tuple(changes),
            )
        )
    diffs.extend(
        ActivityDiff(
            slug=slug,
            name=activity.get("name_fr", slug),
            role=activity.get("role", ""),
            status="removed",
            changes=tuple(_field_changes(activity, {})),
        )
        for slug, activity in old_activities.items()
        if slug not in new_activities
    )
    return diffs


def operator_diff(old_snapshot: dict[str, Any], new_snapshot: dict[str, Any]) -> list[FieldChange]:
    """What changed in the operator's identity (company, address, DPO e-mail ...)."""
    old, new = old_snapshot.get("operator", {}), new_snapshot.get("operator", {})
    return [
        FieldChange(field, old.get(field), new.get(field))
        for field in [*new, *(f for f in old if f not in new)]
        if old.get(field) != new.get(field)
    ]
