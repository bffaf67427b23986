"""Publishing the register: freezing the working register into a numbered version, and the
operator profile that every version carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from garde.core.errors import GardeError
from garde.core.services import audit_record
from garde.register.models import OperatorProfile, RegisterVersion
from garde.register.snapshot import working_register_snapshot

if TYPE_CHECKING:
    from garde.accounts.models import User

OPERATOR_PROFILE_FIELDS = frozenset(
    {
        "company_name",
        "group_name",
        "address",
        "dpo_email",
        "portal_url",
        "careers_url",
        "cnil_designation_reference",
    }
)


class OperatorProfileFieldError(GardeError):
    code = "operator_profile_unknown_field"


@transaction.atomic
def register_publish(*, actor: User | None, note: str = "") -> RegisterVersion:
    """Freeze the working register (active activities and the operator profile) into the next
    numbered version, and record ``register.published``. The caller checks permissions.

    Numbers are unique, so two publications racing for the same number cannot both commit."""
    snapshot = working_register_snapshot()
    last = RegisterVersion.objects.aggregate(last=Max("number"))["last"] or 0
    version = RegisterVersion.objects.create(
        number=last + 1,
        published_at=timezone.now(),
        published_by=actor if actor is not None and actor.pk is not None else None,
        note=note,
        snapshot=snapshot,
    )
    audit_record(
        action="register.published",
        actor=actor,
        obj=version,
        details={
            "number": version.number,
            "activities": len(snapshot["activities"]),
            "note": note,
        },
    )
    return version


@transaction.atomic
def operator_profile_update(*, actor: User | None, **fields: str) -> OperatorProfile:
    """Change the operator's identity as the notice states it (company, address, DPO e-mail,
    portal and careers URLs). Takes effect on the notice at the next publication. Records
    ``register.operator_profile_updated`` with the names of the fields changed, not their
    values. Unknown field names are refused and nothing is saved."""
    unknown = set(fields) - OPERATOR_PROFILE_FIELDS
    if unknown:
        raise OperatorProfileFieldError(
            f"Unknown operator profile field: {', '.join(sorted(unknown))}",
            field=sorted(unknown)[0],
        )
    profile = OperatorProfile.objects.select_for_update().first() or OperatorProfile()
    changed = sorted(name for name, value in fields.items() if getattr(profile, name) != value)
    if not changed and profile.pk is not None:
        return profile
    for name in changed:
        setattr(profile, name, fields[name])
    profile.updated_at = timezone.now()
    if profile.pk is None:
        profile.save()
    else:
        profile.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action="register.operator_profile_updated",
        actor=actor,
        obj=profile,
        details={"fields": changed},
    )
    return profile
