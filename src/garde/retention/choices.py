"""Vocabularies of the retention engine."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HoldBasis(models.TextChoices):
    """Why erasure is suspended (GDPR art. 17(3); LEGAL-RULES R-14)."""

    LCEN = (
        "lcen_2021_1362",
        _("Décret n° 2021-1362 (LCEN, données d'identification et de connexion)"),
    )
    CPCE = "cpce_r10_13", _("CPCE, art. R10-13 (opérateurs de communications électroniques)")
    ACCOUNTING = "accounting", _("Obligation comptable")
    LITIGATION = "litigation", _("Constatation, exercice ou défense de droits en justice")


class SweepStatus(models.TextChoices):
    RUNNING = "running", _("en cours")
    COMPLETED = "completed", _("terminé")
    FAILED = "failed", _("échoué")


class SweepTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("planification quotidienne")
    COMMAND = "command", _("commande garde retention")


class RuleOutcome(models.TextChoices):
    """What a sweep did with one published rule."""

    ENFORCED = "enforced", _("appliquée")
    EVENT_DRIVEN = "event_driven", _("appliquée par son application lors de l'événement")
    NOT_ENFORCED = "not_enforced", _("non appliquée")


class PurgeMode(models.TextChoices):
    DELETE = "delete", _("suppression")
    ANONYMISE = "anonymise", _("anonymisation")
