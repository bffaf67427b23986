"""Editing the working register: processing activities and their retention rules.

Each function is one business action: it checks the register's rules, saves, and records its
audit event in the same transaction. A refused action raises ``RegisterValidationError`` naming
the field at fault, and nothing is saved nor audited. The caller checks permissions.

``data`` mappings hold model field names (see ``ACTIVITY_FIELDS`` and ``RULE_FIELDS``); relations
are given as iterables of model instances, as a ``ModelForm``'s ``cleaned_data`` holds them.
Editing never touches published versions: the public notice and the retention engine change at
the next publication.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.choices import OrganisationKind
from garde.core.errors import GardeError
from garde.core.services import audit_record
from garde.register.choices import DataSource, LegalBasis, ProcessingRole
from garde.register.models import ProcessingActivity, RetentionRule

if TYPE_CHECKING:
    from garde.accounts.models import User

SCALAR_FIELDS: tuple[str, ...] = (
    "slug",
    "role",
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "purposes_fr",
    "purposes_en",
    "legal_basis",
    "legal_basis_detail_fr",
    "legal_basis_detail_en",
    "sources",
    "transfers_outside_eu_fr",
    "transfers_outside_eu_en",
    "team_fr",
    "team_en",
    "notice_section",
    "not_stated",
)
RELATION_FIELDS: tuple[str, ...] = (
    "data_subjects",
    "data_categories",
    "recipients",
    "storage_locations",
    "security_measures",
    "client_controllers",
)
ACTIVITY_FIELDS: tuple[str, ...] = SCALAR_FIELDS + RELATION_FIELDS
# The fields the DPO may flag "not stated in the published policy" (still to decide).
NOT_STATED_FIELDS: tuple[str, ...] = tuple(
    name for name in ACTIVITY_FIELDS if name not in {"slug", "role", "not_stated"}
)
RULE_FIELDS: tuple[str, ...] = (
    "key",
    "description_fr",
    "description_en",
    "count",
    "unit",
    "anchor",
    "store",
    "data_category",
    "legal_reference",
    "not_stated",
)


class RegisterValidationError(GardeError):
    """The register's rules refuse the data; ``field`` names the input at fault."""

    code = "register_invalid"


class ActivityArchivedError(GardeError):
    code = "register_activity_archived"
    status = 409


def _unknown_fields_check(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RegisterValidationError(
            _("Champ inconnu : %(field)s.") % {"field": unknown[0]}, field=unknown[0]
        )


_LIST_FIELDS = frozenset({"sources", "not_stated"})


def _clean_activity_value(name: str, value: Any) -> Any:
    if name in _LIST_FIELDS:
        return sorted({str(v) for v in (value or [])})
    return _clean_value(value)


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


def _full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Field-level checks of the model (lengths, choices, unique keys) as a register error."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise RegisterValidationError(
            " ".join(messages), field=None if field == "__all__" else field
        ) from error


def _activity_rules_check(
    activity: ProcessingActivity, relations: Mapping[str, list[models.Model]]
) -> None:
    """The register's rules for one activity (art. 30 and R-25), checked before anything is
    saved. ``relations`` holds the activity's related objects as they will be."""
    if not activity.name_fr.strip():
        raise RegisterValidationError(_("Nommez le traitement."), field="name_fr")
    if not activity.purposes_fr.strip():
        raise RegisterValidationError(
            _("Indiquez au moins une finalité en français."), field="purposes_fr"
        )
    if not relations["data_subjects"]:
        raise RegisterValidationError(
            _("Choisissez au moins une catégorie de personnes concernées."),
            field="data_subjects",
        )
    if not relations["data_categories"]:
        raise RegisterValidationError(
            _("Choisissez au moins une catégorie de données."), field="data_categories"
        )
    clients = relations["client_controllers"]
    if activity.role == ProcessingRole.CONTROLLER and clients:
        raise RegisterValidationError(
            _(
                "Un traitement dont l'opérateur est responsable n'a pas de client responsable : "
                "les registres du responsable et du sous-traitant restent séparés."
            ),
            field="client_controllers",
        )
    if (
        activity.role == ProcessingRole.PROCESSOR
        and activity.legal_basis != LegalBasis.CONTROLLER_INSTRUCTIONS
        and not clients
    ):
        raise RegisterValidationError(
            _(
                "Un traitement en sous-traitance repose sur les instructions du responsable de "
                "traitement, ou nomme les clients pour le compte desquels il est fait."
            ),
            field="legal_basis",
        )
    if any(getattr(o, "kind", OrganisationKind.CLIENT) != OrganisationKind.CLIENT for o in clients):
        raise RegisterValidationError(
            _("Seules des organisations clientes peuvent être responsables de traitement ici."),
            field="client_controllers",
        )
    unknown_sources = set(activity.sources) - set(DataSource.values)
    if unknown_sources:
        raise RegisterValidationError(
            _("Source de données inconnue : %(value)s.") % {"value": sorted(unknown_sources)[0]},
            field="sources",
        )
    unknown_flags = set(activity.not_stated) - set(NOT_STATED_FIELDS)
    if unknown_flags:
        raise RegisterValidationError(
            _("Champ inconnu : %(field)s.") % {"field": sorted(unknown_flags)[0]},
            field="not_stated",
        )
    _full_clean(activity)


def _activity_editable_check(activity: ProcessingActivity) -> None:
    if activity.archived_at is not None:
        raise ActivityArchivedError(
            _("Ce traitement est archivé : restaurez-le avant de le modifier.")
        )


@transaction.atomic
def activity_create(*, actor: User | None, data: Mapping[str, Any]) -> ProcessingActivity:
    """Add a processing activity to the working register and record
    ``register.activity_created``."""
    _unknown_fields_check(data, ACTIVITY_FIELDS)
    now = timezone.now()
    activity = ProcessingActivity(
        **{name: _clean_activity_value(name, data[name]) for name in SCALAR_FIELDS if name in data},
        created_at=now,
        updated_at=now,
    )
    relations = {name: list(data.get(name) or []) for name in RELATION_FIELDS}
    _activity_rules_check(activity, relations)
    activity.save()
    for name, objects in relations.items():
        if objects:
            getattr(activity, name).set(objects)
    audit_record(
        action="register.activity_created",
        actor=actor,
        obj=activity,
        details={"slug": activity.slug, "role": activity.role},
    )
    return activity


@transaction.atomic
def activity_update(
    *, actor: User | None, activity: ProcessingActivity, data: Mapping[str, Any]
) -> ProcessingActivity:
    """Change the fields of ``activity`` given in ``data`` (others are kept). Records
    ``register.activity_updated`` with the names of the fields changed, not their values;
    nothing is saved nor recorded when nothing changed. Returns the saved activity."""
    _unknown_fields_check(data, ACTIVITY_FIELDS)
    current = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    _activity_editable_check(current)
    if "slug" in data and _clean_value(data["slug"]) != current.slug:
        # Versions are compared and retention rules are traced by slug.
        raise RegisterValidationError(
            _("L'identifiant d'un traitement ne change pas : il relie les versions publiées."),
            field="slug",
        )
    changed: list[str] = []
    for name in SCALAR_FIELDS:
        if name in data:
            value = _clean_activity_value(name, data[name])
            if getattr(current, name) != value:
                setattr(current, name, value)
                changed.append(name)
    relations: dict[str, list[models.Model]] = {}
    changed_relations: list[str] = []
    for name in RELATION_FIELDS:
        before = list(getattr(current, name).all())
        if name in data:
            after = list(data[name] or [])
            if {o.pk for o in after} != {o.pk for o in before}:
                changed_relations.append(name)
            relations[name] = after
        else:
            relations[name] = before
    _activity_rules_check(current, relations)
    if not changed and not changed_relations:
        return current
    current.updated_at = timezone.now()
    current.save(update_fields=[*changed, "updated_at"])
    for name in changed_relations:
        getattr(current, name).set(relations[name])
    audit_record(
        action="register.activity_updated",
        actor=actor,
        obj=current,
        details={"slug": current.slug, "fields": sorted(changed + changed_relations)},
    )
    return current


@transaction.atomic
def activity_archive(*, actor: User | None, activity: ProcessingActivity) -> ProcessingActivity:
    """Take ``activity`` out of the working register (it stays readable and can be restored);
    the next publication leaves it out. Archiving an archived activity does nothing."""
    current = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    if current.archived_at is not None:
        return current
    current.archived_at = timezone.now()
    current.save(update_fields=["archived_at"])
    audit_record(
        action="register.activity_archived",
        actor=actor,
        obj=current,
        details={"slug": current.slug},
    )
    return current


@transaction.atomic
def activity_restore(*, actor: User | None, activity: ProcessingActivity) -> ProcessingActivity:
    """Bring an archived activity back into the working register. Restoring an active activity
    does nothing."""
    current = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    if current.archived_at is None:
        return current
    current.archived_at = None
    current.save(update_fields=["archived_at"])
    audit_record(
        action="register.activity_restored",
        actor=actor,
        obj=current,
        details={"slug": current.slug},
    )
    return current


def _activity_touch(activity: ProcessingActivity) -> None:
    activity.updated_at = timezone.now()
    activity.save(update_fields=["updated_at"])


@transaction.atomic
def retention_rule_save(
    *,
    actor: User | None,
    activity: ProcessingActivity,
    data: Mapping[str, Any],
    rule: RetentionRule | None = None,
) -> RetentionRule:
    """Create a retention rule of ``activity`` (``rule`` is None) or change ``rule``. A period's
    ``count`` is positive, or None for "until the anchor event". Records
    ``register.retention_rule_created`` or ``register.retention_rule_updated`` (with the names
    of the fields changed); an update that changes nothing records nothing."""
    _unknown_fields_check(data, RULE_FIELDS)
    current_activity = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    _activity_editable_check(current_activity)
    if rule is not None and rule.activity_id != current_activity.pk:
        raise RegisterValidationError(_("Cette règle appartient à un autre traitement."))
    count = data.get("count", rule.count if rule is not None else None)
    if count is not None and (not isinstance(count, int) or count <= 0):
        raise RegisterValidationError(
            _("Une durée de conservation est un nombre entier positif, ou vide."), field="count"
        )
    creating = rule is None
    target = (
        RetentionRule(activity=current_activity)
        if rule is None
        else RetentionRule.objects.select_for_update().get(pk=rule.pk)
    )
    changed: list[str] = []
    for name in RULE_FIELDS:
        if name in data:
            value = _clean_value(data[name])
            if getattr(target, name) != value:
                setattr(target, name, value)
                changed.append(name)
    _full_clean(target)
    if not creating and not changed:
        return target
    target.save()
    _activity_touch(current_activity)
    details: dict[str, Any] = {"activity": current_activity.slug, "rule": target.key}
    if not creating:
        details["fields"] = sorted(changed)
    audit_record(
        action="register.retention_rule_created" if creating else "register.retention_rule_updated",
        actor=actor,
        obj=target,
        details=details,
    )
    return target


@transaction.atomic
def retention_rule_delete(*, actor: User | None, rule: RetentionRule) -> None:
    """Remove a retention rule from the working register and record
    ``register.retention_rule_deleted``."""
    current = RetentionRule.objects.select_for_update().select_related("activity").get(pk=rule.pk)
    _activity_editable_check(current.activity)
    audit_record(
        action="register.retention_rule_deleted",
        actor=actor,
        obj=current,
        details={"activity": current.activity.slug, "rule": current.key},
    )
    current.delete()
    _activity_touch(current.activity)
