"""Vocabularies of the breach register."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BreachSource(models.TextChoices):
    PORTAL_REPORT = "portal_report", _("Signalement du portail client")
    PUBLIC_REPORT = "public_report", _("Signalement extérieur (e-mail, courrier, téléphone)")
    STAFF = "staff", _("Détection interne")


class BreachStatus(models.TextChoices):
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Clôturée")


class Nature(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", _("Perte de confidentialité")
    INTEGRITY = "integrity", _("Perte d'intégrité")
    AVAILABILITY = "availability", _("Perte de disponibilité")


class ServiceKind(models.TextChoices):
    """The operator's services. Internet access and telephony are publicly available
    electronic-communications services: a breach in providing them falls under the telecom
    regime (R-38)."""

    INTERNET_ACCESS = "internet_access", _("Accès à internet")
    TELEPHONY = "telephony", _("Téléphonie")
    HOSTING = "hosting", _("Hébergement pour les clients")
    NETWORK = "network", _("Réseaux privés pour les clients")
    SOFTWARE = "software", _("Produits logiciels")
    WEBSITES = "websites", _("Sites internet et portail")
    INTERNAL = "internal", _("Systèmes internes (RH, gestion)")


PUBLIC_ECOMM_SERVICES = frozenset({ServiceKind.INTERNET_ACCESS, ServiceKind.TELEPHONY})


class Regime(models.TextChoices):
    GDPR = "gdpr", _("RGPD (art. 33 et 34)")
    TELECOM = "telecom", _("Paquet télécom (règlement 611/2013)")


class RiskLevel(models.TextChoices):
    NONE = "none", _("Pas de risque (risque improbable)")
    RISK = "risk", _("Risque")
    HIGH = "high", _("Risque élevé")


class Circumstance(models.TextChoices):
    LOST_DEVICE = "lost_device", _("Équipement ou document perdu ou volé")
    HACKING = "hacking", _("Piratage, logiciel malveillant, hameçonnage")
    WRONG_RECIPIENT = "wrong_recipient", _("Envoi au mauvais destinataire")
    PUBLICATION = "publication", _("Publication non volontaire")
    WRONG_DISPLAY = "wrong_display", _("Données d'une autre personne affichées")
    DISPOSAL = "disposal", _("Élimination non sécurisée")
    OTHER = "other", _("Autre")


class Origin(models.TextChoices):
    INTERNAL_MALICIOUS = "internal_malicious", _("Interne malveillante")
    INTERNAL_ACCIDENTAL = "internal_accidental", _("Interne accidentelle")
    EXTERNAL_MALICIOUS = "external_malicious", _("Externe malveillante")
    EXTERNAL_ACCIDENTAL = "external_accidental", _("Externe accidentelle")
    UNKNOWN = "unknown", _("Inconnue")


class NotificationKind(models.TextChoices):
    INITIAL = "initial", _("Notification initiale")
    COMPLEMENTARY = "complementary", _("Notification complémentaire")
    COMPLETE = "complete", _("Notification complète")


class PersonsDecision(models.TextChoices):
    """What is done about the people concerned (art. 34)."""

    UNDECIDED = "", _("Non décidé")
    NOTIFY = "notify", _("Informer les personnes")
    EXEMPT_ENCRYPTED = "exempt_a", _("Exception 34.3.a : données inintelligibles (chiffrement)")
    EXEMPT_MEASURES = "exempt_b", _("Exception 34.3.b : mesures ultérieures, risque écarté")
    EXEMPT_EFFORT = (
        "exempt_c",
        _("Exception 34.3.c : efforts disproportionnés, communication publique"),
    )
    NOT_REQUIRED = "not_required", _("Non requis (pas de risque élevé)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SENDING = "sending", _("Envoi en cours")
    DONE = "done", _("Envoyé")


class RecipientStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")
