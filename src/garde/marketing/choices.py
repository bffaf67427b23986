"""Vocabularies of the contact and callback forms and of their queue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    CALLBACK = "callback", _("Rappel")


class ContactStatus(models.TextChoices):
    NEW = "new", _("Nouvelle")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Traitée")
    SPAM = "spam", _("Indésirable")


# The queue's workflow: which status may follow which (checked in one service).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    ContactStatus.NEW: frozenset(
        {ContactStatus.IN_PROGRESS, ContactStatus.DONE, ContactStatus.SPAM}
    ),
    ContactStatus.IN_PROGRESS: frozenset(
        {ContactStatus.NEW, ContactStatus.DONE, ContactStatus.SPAM}
    ),
    ContactStatus.DONE: frozenset({ContactStatus.IN_PROGRESS}),
    ContactStatus.SPAM: frozenset({ContactStatus.NEW}),
}


class TimeSlot(models.TextChoices):
    MORNING = "morning", _("Le matin (de 9 h à 12 h)")
    MIDDAY = "midday", _("À midi (de 12 h à 14 h)")
    AFTERNOON = "afternoon", _("L'après-midi (de 14 h à 18 h)")
    ANY = "any", _("Indifférent")


class CallbackTopic(models.TextChoices):
    """The operator's lines of business, as its policy lists them."""

    HOSTING = "hosting", _("Hébergement")
    TELECOM = "telecom", _("Liens télécoms")
    COMMUNICATION = "communication", _("Outils de communication d'entreprise")
    SOFTWARE = "software", _("Développements et produits édités")
    OTHER = "other", _("Autre sujet")
