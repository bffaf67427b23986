"""The role vocabulary: who may do what is always said with these names."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Operator staff
    DPO = "dpo", _("Délégué à la protection des données")
    SUPPORT = "support", _("Support")
    SALES = "sales", _("Commercial")
    MARKETING = "marketing", _("Marketing")
    HR = "hr", _("Ressources humaines")
    SYSADMIN = "sysadmin", _("Administrateur systèmes")
    # Client organisations
    ORG_ADMIN = "org_admin", _("Administrateur de l'organisation")
    ORG_DPO = "org_dpo", _("DPO de l'organisation")
    MEMBER = "member", _("Utilisateur")


STAFF_ROLES: frozenset[str] = frozenset(
    {Role.DPO, Role.SUPPORT, Role.SALES, Role.MARKETING, Role.HR, Role.SYSADMIN}
)
CLIENT_ROLES: frozenset[str] = frozenset({Role.ORG_ADMIN, Role.ORG_DPO, Role.MEMBER})
ALL_ROLES: frozenset[str] = STAFF_ROLES | CLIENT_ROLES
