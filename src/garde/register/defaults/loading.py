"""Loading the seeded register: the taxonomy, the operator profile, the vocabularies and the
activities, then the first publication."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from garde.core.services import audit_record
from garde.register.defaults.activities import SERVICE_ACTIVITIES
from garde.register.defaults.specs import (
    LOCATIONS,
    MEASURES,
    OPERATOR,
    RECIPIENTS,
    ActivitySpec,
)
from garde.register.defaults.taxonomy import (
    CATEGORY_NAMES_FR,
    GARDE_CATEGORIES,
    GARDE_SUBJECTS,
    SUBJECT_NAMES_FR,
)
from garde.register.defaults.websites import WEBSITE_ACTIVITIES
from garde.register.models import (
    DataCategory,
    DataSubjectCategory,
    OperatorProfile,
    ProcessingActivity,
    Recipient,
    RegisterVersion,
    RetentionRule,
    SecurityMeasure,
    StorageLocation,
)
from garde.register.selectors import register_version_latest
from garde.register.services.publishing import register_publish

if TYPE_CHECKING:
    from garde.accounts.models import User

ACTIVITIES: tuple[ActivitySpec, ...] = SERVICE_ACTIVITIES + WEBSITE_ACTIVITIES


def _depth(key: str) -> int:
    return key.count(".")


@transaction.atomic
def taxonomy_load() -> dict[str, int]:
    """Load fideslang's default data categories and data subjects, with French names and
    Garde's additions. Existing rows are kept as they are. Returns how many rows were created."""
    created = {"data_categories": 0, "data_subjects": 0}
    categories: list[tuple[str, str | None, str, str, str]] = [
        (
            c.fides_key,
            c.parent_key,
            CATEGORY_NAMES_FR.get(c.fides_key, c.name or c.fides_key),
            c.name or "",
            c.description or "",
        )
        for c in DEFAULT_TAXONOMY.data_category
    ]
    categories += [(key, parent, fr, en, "") for key, parent, fr, en in GARDE_CATEGORIES]
    by_key = {c.key: c for c in DataCategory.objects.all()}
    # Parents first, so every parent link can be set when its child is created.
    for key, parent_key, name_fr, name_en, description in sorted(
        categories, key=lambda c: _depth(c[0])
    ):
        if key in by_key:
            continue
        by_key[key] = DataCategory.objects.create(
            key=key,
            parent=by_key.get(parent_key) if parent_key else None,
            name_fr=name_fr,
            name_en=name_en,
            description=description,
        )
        created["data_categories"] += 1
    subjects = [
        (s.fides_key, SUBJECT_NAMES_FR.get(s.fides_key, s.name or ""), s.name or "")
        for s in DEFAULT_TAXONOMY.data_subject
    ]
    subjects += list(GARDE_SUBJECTS)
    existing = set(DataSubjectCategory.objects.values_list("key", flat=True))
    for key, name_fr, name_en in subjects:
        if key not in existing:
            DataSubjectCategory.objects.create(key=key, name_fr=name_fr, name_en=name_en)
            created["data_subjects"] += 1
    return created


def _operator_profile_ensure() -> bool:
    if OperatorProfile.objects.exists():
        return False
    OperatorProfile.objects.create(**OPERATOR, portal_url=f"{settings.BASE_URL}/portal/")
    return True


def _vocabularies_ensure() -> tuple[
    dict[str, Recipient], dict[str, StorageLocation], dict[str, SecurityMeasure]
]:
    recipients = {
        key: Recipient.objects.get_or_create(
            kind=kind, name_fr=name_fr, defaults={"name_en": name_en}
        )[0]
        for key, (kind, name_fr, name_en) in RECIPIENTS.items()
    }
    locations = {
        key: StorageLocation.objects.get_or_create(name_fr=name_fr, defaults={"name_en": name_en})[
            0
        ]
        for key, (name_fr, name_en) in LOCATIONS.items()
    }
    measures = {
        key: SecurityMeasure.objects.get_or_create(
            name_fr=name_fr,
            defaults={"name_en": name_en, "description_fr": desc_fr, "description_en": desc_en},
        )[0]
        for key, (name_fr, name_en, desc_fr, desc_en) in MEASURES.items()
    }
    return recipients, locations, measures


def _activity_create(
    spec: ActivitySpec,
    recipients: dict[str, Recipient],
    locations: dict[str, StorageLocation],
    measures: dict[str, SecurityMeasure],
) -> ProcessingActivity:
    activity = ProcessingActivity.objects.create(
        slug=spec.slug,
        role=spec.role,
        name_fr=spec.name_fr,
        name_en=spec.name_en,
        description_fr=spec.description_fr,
        description_en=spec.description_en,
        purposes_fr="\n".join(spec.purposes_fr),
        purposes_en="\n".join(spec.purposes_en),
        legal_basis=spec.legal_basis,
        legal_basis_detail_fr=spec.legal_basis_detail_fr,
        legal_basis_detail_en=spec.legal_basis_detail_en,
        sources=list(spec.sources),
        team_fr=spec.team_fr,
        team_en=spec.team_en,
        notice_section=spec.section,
        not_stated=list(spec.not_stated),
    )
    activity.data_subjects.set(DataSubjectCategory.objects.filter(key__in=spec.subjects))
    activity.data_categories.set(DataCategory.objects.filter(key__in=spec.categories))
    activity.recipients.set([recipients[key] for key in spec.recipients])
    activity.storage_locations.set([locations[key] for key in spec.locations])
    activity.security_measures.set([measures[key] for key in spec.measures])
    return activity


@transaction.atomic
def register_load_default(*, actor: User | None = None) -> RegisterVersion:
    """Create the operator profile, the vocabularies and one activity per processing of the
    published policy, then publish version 1 if nothing was ever published. Idempotent: rows
    that exist (by slug, key or name) are left untouched. Returns the latest version."""
    created = taxonomy_load()
    created["operator_profile"] = int(_operator_profile_ensure())
    recipients, locations, measures = _vocabularies_ensure()
    existing_slugs = set(ProcessingActivity.objects.values_list("slug", flat=True))
    existing_rules = set(RetentionRule.objects.values_list("key", flat=True))
    created["activities"] = created["retention_rules"] = 0
    for spec in ACTIVITIES:
        if spec.slug in existing_slugs:
            continue
        activity = _activity_create(spec, recipients, locations, measures)
        created["activities"] += 1
        for rule in spec.rules:
            if rule.key in existing_rules:
                continue
            RetentionRule.objects.create(
                activity=activity,
                key=rule.key,
                description_fr=rule.description_fr,
                description_en=rule.description_en,
                count=rule.count,
                unit=rule.unit,
                anchor=rule.anchor,
                store=rule.store,
                legal_reference=rule.legal_reference,
                not_stated=rule.not_stated,
            )
            created["retention_rules"] += 1
    if any(created.values()):
        audit_record(action="register.default_loaded", actor=actor, details=created)
    latest = register_version_latest()
    if latest is None:
        latest = register_publish(
            actor=actor,
            note="Registre initial, issu de la politique publiée (version du 09/12/2022)",
        )
    return latest


def demo_load() -> list[str]:
    """Load the default register (``garde demo``) and say where its notice is."""
    version = register_load_default()
    with translation.override("fr"):
        notice_fr = reverse("register:notice")
        form_fr = reverse("register:rights_form")
    with translation.override("en"):
        notice_en = reverse("register:notice")
    return [
        "",
        f"  Register of processing: version {version.number} published.",
        f"    Privacy notice   {settings.BASE_URL}{notice_fr} (English: {notice_en})",
        f"    Rights form PDF  {settings.BASE_URL}{form_fr}",
    ]
