"""Vocabularies of the "RGPD" tab requests."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    RIGHTS = "rights", _("Exercice des droits")
    ASSISTANCE = "assistance", _("Assistance RGPD")
    PIA = "pia", _("Informations pour une étude d'impact (PIA)")
    BREACH_REPORT = "breach_report", _("Signalement de violation de données")


class Right(models.TextChoices):
    ACCESS = "access", _("Accès (copie des données)")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Effacement")
    RESTRICTION = "restriction", _("Limitation")
    OBJECTION = "objection", _("Opposition")
    PORTABILITY = "portability", _("Portabilité")
    CONSULTATION = "consultation", _("Consultation")


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    AWAITING_IDENTITY = "awaiting_identity", _("En attente d'un justificatif d'identité")
    IN_PROGRESS = "in_progress", _("En cours de traitement")
    EXTENDED = "extended", _("Délai prolongé")
    ANSWERED = "answered", _("Répondue")
    REFUSED = "refused", _("Refusée")
    FORWARDED = "forwarded", _("Transmise à l'organisme responsable")
    CLOSED = "closed", _("Clôturée")


OPEN_STATUSES = frozenset(
    {Status.RECEIVED, Status.AWAITING_IDENTITY, Status.IN_PROGRESS, Status.EXTENDED}
)


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portail client")
    PUBLIC_FORM = "public_form", _("Formulaire public")
    EMAIL = "email", _("E-mail")
    POST = "post", _("Courrier")
    PHONE = "phone", _("Téléphone")
    API = "api", _("API")


class RequesterRelation(models.TextChoices):
    """Whose data it is, which decides who answers (the policy's routing)."""

    CLIENT_USER = "client_user", _("Utilisateur d'un client d'inherent")
    CLIENT_DATA_SUBJECT = (
        "client_data_subject",
        _("Personne concernée par les services d'un client"),
    )
    OPERATOR_DATA = (
        "operator_data",
        _("Prospect, abonné, candidat, visiteur, contact client ou titulaire de compte"),
    )


class Queue(models.TextChoices):
    OPERATOR = "operator", _("Équipe DPO de l'opérateur")
    ORGANISATION = "organisation", _("Administrateur ou DPO de l'organisation cliente")


class RefusalReason(models.TextChoices):
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded", _("Manifestement infondée")
    EXCESSIVE = "excessive", _("Excessive, notamment répétitive")
    IDENTITY_NOT_ESTABLISHED = "identity_not_established", _("Identité non établie")
    NO_DATA = "no_data", _("Aucune donnée vous concernant")
