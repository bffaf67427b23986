"""Reading accounts: roles, organisation, and the personal data a user may download."""

from __future__ import annotations

from typing import Any

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Membership, Organisation, TotpDevice, User
from garde.core.roles import STAFF_ROLES


def _memberships(user: User) -> list[Membership]:
    cached: list[Membership] | None = getattr(user, "_garde_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organisation"))
        user._garde_memberships = cached  # type: ignore[attr-defined]
    return cached


def user_roles(user: User) -> frozenset[str]:
    """The roles a user holds (cached on the instance for the request)."""
    if not getattr(user, "is_authenticated", False) or user.pk is None or not user.is_active:
        return frozenset()
    return frozenset(m.role for m in _memberships(user))


def user_organisation(user: User) -> Organisation | None:
    if user.pk is None:
        return None
    memberships = _memberships(user)
    return memberships[0].organisation if memberships else None


def user_is_staff(user: User) -> bool:
    return bool(user_roles(user) & STAFF_ROLES)


def operator_get() -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.OPERATOR)


def organisation_member_list(*, organisation: Organisation) -> list[dict[str, Any]]:
    """Active, non-service users of an organisation with their roles (two queries)."""
    users = (
        User.objects.filter(
            memberships__organisation=organisation, is_active=True, is_service_account=False
        )
        .distinct()
        .prefetch_related("memberships")
    )
    return [
        {
            "id": u.pk,
            "email": u.email,
            "full_name": u.full_name,
            "roles": sorted(m.role for m in u.memberships.all()),
        }
        for u in users
    ]


def user_personal_data(*, user: User) -> dict[str, Any]:
    """Every personal field Garde holds on the user, plus roles and second-factor status, in a
    JSON-ready form (the profile page and its download)."""
    data: dict[str, Any] = {}
    for name in User.PERSONAL_FIELDS:
        value = getattr(user, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data["memberships"] = [
        {"organisation": m.organisation.name, "role": m.role, "since": m.created_at.isoformat()}
        for m in _memberships(user)
    ]
    device = TotpDevice.objects.filter(user=user).first()
    data["two_factor"] = {
        "enabled": bool(device and device.confirmed_at),
        "recovery_codes_left": user.recovery_codes.filter(used_at__isnull=True).count(),
    }
    return data
