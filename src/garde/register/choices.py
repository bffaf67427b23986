"""Vocabularies of the register of processing (GDPR art. 30)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessingRole(models.TextChoices):
    CONTROLLER = "controller", _("Responsable de traitement (art. 30.1)")
    PROCESSOR = "processor", _("Sous-traitant (art. 30.2)")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consentement (art. 6.1.a)")
    CONTRACT = "contract", _("Exécution d'un contrat (art. 6.1.b)")
    LEGAL_OBLIGATION = "legal_obligation", _("Obligation légale (art. 6.1.c)")
    VITAL_INTEREST = "vital_interest", _("Intérêts vitaux (art. 6.1.d)")
    PUBLIC_TASK = "public_task", _("Mission d'intérêt public (art. 6.1.e)")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Intérêt légitime (art. 6.1.f)")
    CONTROLLER_INSTRUCTIONS = (
        "controller_instructions",
        _("Instructions du responsable de traitement (art. 28.3.a)"),
    )


class DataSource(models.TextChoices):
    DIRECT = "direct", _("Fournies directement par la personne")
    OBSERVED = "observed", _("Observées (traces, journaux, cookies)")
    THIRD_PARTY = "third_party", _("Transmises par un tiers (client, employeur)")


class RecipientKind(models.TextChoices):
    GROUP_COMPANY = "group_company", _("Société du groupe")
    STAFF = "staff", _("Personnel habilité")
    SUBPROCESSOR = "subprocessor", _("Sous-traitant")
    PARTNER = "partner", _("Partenaire")
    AUTHORITY = "authority", _("Autorité (dans les cas prévus par la loi)")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Destinataire au titre de l'intérêt légitime")


class RetentionAnchor(models.TextChoices):
    """The event a retention period runs from."""

    COLLECTION = "collection", _("la collecte")
    LAST_CONTACT = "last_contact", _("le dernier contact")
    END_OF_CONTRACT = "end_of_contract", _("la fin du contrat")
    UNSUBSCRIPTION = "unsubscription", _("la désinscription")
    CONNECTION = "connection", _("la connexion")
    REQUEST_CLOSURE = "request_closure", _("la clôture de la demande")
    PROCESS_END = "process_end", _("la fin du processus de recrutement")
    ACCOUNT_CLOSURE = "account_closure", _("la fermeture du compte")
    EVENT = "event", _("l'événement enregistré")
    CONSENT = "consent", _("le recueil du choix")


class PeriodUnit(models.TextChoices):
    DAYS = "days", _("jours")
    MONTHS = "months", _("mois")
    YEARS = "years", _("ans")


class NoticeSection(models.TextChoices):
    """Where an activity is described in the generated notice (the published policy's order)."""

    GENERAL = "general", _("Traitements généraux")
    COOKIES = "cookies", _("Cookies")
    CONNECTION_LOGS = "connection_logs", _("Journaux de connexions")
    CONTACT_FORMS = "contact_forms", _("Formulaires de contact et de rappel")
    NEWSLETTER = "newsletter", _("Newsletter")
    RECRUITMENT = "recruitment", _("Postuler à une offre d'emploi")
    CLIENT_SERVICES = "client_services", _("Services fournis aux clients")
