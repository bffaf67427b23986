"""Choices of the careers app: the pipeline an application goes through."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    """Where an application stands in HR's pipeline. ``refused`` and ``hired`` end the
    recruitment process (the anchor of the three-month rule, R-70)."""

    RECEIVED = "received", _("reçue")
    REVIEWED = "reviewed", _("étudiée")
    INTERVIEW = "interview", _("entretien")
    REFUSED = "refused", _("refusée")
    HIRED = "hired", _("recrutée")


PROCESS_END_STATUSES = frozenset({ApplicationStatus.REFUSED, ApplicationStatus.HIRED})
