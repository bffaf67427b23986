from django.db import models
from django.utils.translation import gettext_lazy as _

from garde.core.roles import Role

__all__ = ["OrganisationKind", "Role"]


class OrganisationKind(models.TextChoices):
    OPERATOR = "operator", _("Opérateur")
    CLIENT = "client", _("Client")
