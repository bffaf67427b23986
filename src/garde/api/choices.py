from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    """What an API key may do. Each route names the one scope it needs."""

    AUDIT_READ = "audit:read", _("Lire le journal d'audit de l'organisation")
    ACCOUNTS_READ = "accounts:read", _("Lire les utilisateurs de l'organisation")
    REQUESTS_READ = "requests:read", _("Lire les demandes RGPD de l'organisation")
    REQUESTS_WRITE = "requests:write", _("Déposer des demandes RGPD pour l'organisation")
    REGISTER_READ = "register:read", _("Lire le registre des traitements publié")
    CONNLOGS_WRITE = "connlogs:write", _("Déposer des journaux de connexion (clés de l'opérateur)")
    CONNLOGS_READ = (
        "connlogs:read",
        _("Consulter les journaux de connexion (compte de service administrateur systèmes)"),
    )
