"""Enumerations of the consent app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentMethod(models.TextChoices):
    """How the visitor expressed the choice recorded."""

    ACCEPT_ALL = "accept_all", _("bouton « Tout accepter »")
    REFUSE_ALL = "refuse_all", _("bouton « Tout refuser »")
    PREFERENCES = "preferences", _("centre de préférences")
    GPC = "gpc", _("signal Global Privacy Control")
    WITHDRAW = "withdraw", _("retrait du consentement")


class ConsentLanguage(models.TextChoices):
    FR = "fr", "Français"
    EN = "en", "English"
