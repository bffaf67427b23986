"""Words for the register's codes, in French and English, for the DPO's documents (exports,
comparisons). Plain functions over snapshot dicts: no database, no active language, so that
exporting the same version always gives the same text."""

from __future__ import annotations

import re
from typing import Any

LANGUAGES = ("fr", "en")

ROLES = {
    "fr": {
        "controller": "Registre du responsable de traitement (art. 30.1 RGPD)",
        "processor": "Registre du sous-traitant (art. 30.2 RGPD)",
    },
    "en": {
        "controller": "Controller register (GDPR art. 30(1))",
        "processor": "Processor register (GDPR art. 30(2))",
    },
}

LEGAL_BASES = {
    "fr": {
        "consent": "Consentement (art. 6.1.a)",
        "contract": "Exécution d'un contrat (art. 6.1.b)",
        "legal_obligation": "Obligation légale (art. 6.1.c)",
        "vital_interest": "Intérêts vitaux (art. 6.1.d)",
        "public_task": "Mission d'intérêt public (art. 6.1.e)",
        "legitimate_interest": "Intérêt légitime (art. 6.1.f)",
        "controller_instructions": "Instructions du responsable de traitement (art. 28.3.a)",
    },
    "en": {
        "consent": "Consent (art. 6(1)(a))",
        "contract": "Performance of a contract (art. 6(1)(b))",
        "legal_obligation": "Legal obligation (art. 6(1)(c))",
        "vital_interest": "Vital interests (art. 6(1)(d))",
        "public_task": "Task in the public interest (art. 6(1)(e))",
        "legitimate_interest": "Legitimate interest (art. 6(1)(f))",
        "controller_instructions": "The controller's instructions (art. 28(3)(a))",
    },
}

SOURCES = {
    "fr": {
        "direct": "fournies directement par la personne",
        "observed": "observées (traces, journaux, cookies)",
        "third_party": "transmises par un tiers",
    },
    "en": {
        "direct": "given by the person",
        "observed": "observed (traces, logs, cookies)",
        "third_party": "passed on by a third party",
    },
}

_UNITS = {
    "fr": {"years": ("an", "ans"), "months": ("mois", "mois"), "days": ("jour", "jours")},
    "en": {"years": ("year", "years"), "months": ("month", "months"), "days": ("day", "days")},
}

_ANCHORS = {
    "fr": {
        "collection": "la collecte",
        "last_contact": "le dernier contact",
        "end_of_contract": "la fin du contrat",
        "unsubscription": "la désinscription",
        "connection": "la connexion",
        "request_closure": "la clôture de la demande",
        "process_end": "la fin du processus de recrutement",
        "account_closure": "la fermeture du compte",
        "event": "l'événement enregistré",
        "consent": "le recueil du choix",
    },
    "en": {
        "collection": "collection",
        "last_contact": "the last contact",
        "end_of_contract": "the end of the contract",
        "unsubscription": "unsubscription",
        "connection": "the connection",
        "request_closure": "the closure of the request",
        "process_end": "the end of the recruitment process",
        "account_closure": "the closure of the account",
        "event": "the recorded event",
        "consent": "the recording of the choice",
    },
}

NOT_STATED = {
    "fr": "non précisé dans la politique publiée — à décider",
    "en": "not stated in the published policy — to decide",
}


def localized(row: dict[str, Any], name: str, language: str) -> Any:
    """``row[name_<language>]``, falling back to French (the register's first language)."""
    if language != "fr":
        value = row.get(f"{name}_{language}")
        if value:
            return value
    return row.get(f"{name}_fr")


def retention_period_text(rule: dict[str, Any], language: str = "fr") -> str:
    """A rule's period: "1 an à compter de la collecte", "until unsubscription"."""
    anchor = _ANCHORS[language].get(rule["anchor"], rule["anchor"])
    count: int | None = rule["count"]
    if count is None:
        text = f"jusqu'à {anchor}" if language == "fr" else f"until {anchor}"
    else:
        singular, plural = _UNITS[language].get(rule["unit"], (rule["unit"], rule["unit"]))
        unit = singular if count == 1 else plural
        text = (
            f"{count} {unit} à compter de {anchor}"
            if language == "fr"
            else f"{count} {unit} from {anchor}"
        )
    # French contracts "de le" and "à le".
    return re.sub(r"\bà le ", "au ", re.sub(r"\bde le ", "du ", text))


def retention_rule_text(rule: dict[str, Any], language: str = "fr") -> str:
    """ "Formulaires de contact : 1 an à compter du dernier contact", flagged when the published
    policy did not state it."""
    colon = " : " if language == "fr" else ": "
    text = (
        f"{localized(rule, 'description', language)}{colon}{retention_period_text(rule, language)}"
    )
    if rule.get("not_stated"):
        text += f" ({NOT_STATED[language]})"
    return text


def named_label(item: dict[str, Any], language: str = "fr") -> str:
    """How a vocabulary entry of a snapshot (data category, recipient, location, measure,
    client) is named in a document."""
    if "name_fr" not in item:
        return str(item.get("name", ""))
    return str(localized(item, "name", language))


FIELD_LABELS = {
    "fr": {
        "slug": "Identifiant",
        "role": "Registre",
        "name": "Nom",
        "name_fr": "Nom (français)",
        "name_en": "Nom (anglais)",
        "description_fr": "Description (français)",
        "description_en": "Description (anglais)",
        "purposes_fr": "Finalités (français)",
        "purposes_en": "Finalités (anglais)",
        "legal_basis": "Base légale",
        "legal_basis_detail_fr": "Précisions sur la base légale (français)",
        "legal_basis_detail_en": "Précisions sur la base légale (anglais)",
        "data_subjects": "Catégories de personnes concernées",
        "data_categories": "Catégories de données",
        "sources": "Sources des données",
        "recipients": "Destinataires",
        "transfers_outside_eu_fr": "Transferts hors UE (français)",
        "transfers_outside_eu_en": "Transferts hors UE (anglais)",
        "storage_locations": "Lieux de conservation",
        "security_measures": "Mesures de sécurité",
        "team_fr": "Service responsable (français)",
        "team_en": "Service responsable (anglais)",
        "client_controllers": "Clients responsables de traitement",
        "notice_section": "Rubrique de la politique publiée",
        "not_stated": "Champs non précisés dans la politique publiée",
        "retention_rules": "Durées de conservation",
        "company_name": "Société",
        "group_name": "Groupe",
        "address": "Adresse",
        "dpo_email": "Adresse du DPO",
        "portal_url": "Portail client",
        "careers_url": "Site carrières",
    },
    "en": {
        "slug": "Identifier",
        "role": "Register",
        "name": "Name",
        "name_fr": "Name (French)",
        "name_en": "Name (English)",
        "description_fr": "Description (French)",
        "description_en": "Description (English)",
        "purposes_fr": "Purposes (French)",
        "purposes_en": "Purposes (English)",
        "legal_basis": "Legal basis",
        "legal_basis_detail_fr": "Legal basis details (French)",
        "legal_basis_detail_en": "Legal basis details (English)",
        "data_subjects": "Categories of data subjects",
        "data_categories": "Categories of personal data",
        "sources": "Sources of the data",
        "recipients": "Recipients",
        "transfers_outside_eu_fr": "Transfers outside the EU (French)",
        "transfers_outside_eu_en": "Transfers outside the EU (English)",
        "storage_locations": "Storage locations",
        "security_measures": "Security measures",
        "team_fr": "Department responsible (French)",
        "team_en": "Department responsible (English)",
        "client_controllers": "Client controllers",
        "notice_section": "Section of the published policy",
        "not_stated": "Fields not stated in the published policy",
        "retention_rules": "Retention periods",
        "company_name": "Company",
        "group_name": "Group",
        "address": "Address",
        "dpo_email": "DPO e-mail",
        "portal_url": "Client portal",
        "careers_url": "Careers site",
    },
}


RULE_ATTRIBUTE_LABELS = {
    "fr": {
        "period": "durée",
        "description_fr": "libellé (français)",
        "description_en": "libellé (anglais)",
        "store": "données purgées",
        "data_category": "catégorie de données",
        "legal_reference": "référence légale",
        "not_stated": "non précisée dans la politique publiée",
    },
    "en": {
        "period": "period",
        "description_fr": "label (French)",
        "description_en": "label (English)",
        "store": "data purged",
        "data_category": "data category",
        "legal_reference": "legal reference",
        "not_stated": "not stated in the published policy",
    },
}


def field_label(field: str, language: str = "fr") -> str:
    """The name of a snapshot field in a document; a retention rule's path
    (``retention_rules.<key>.<attribute>``) is named after the rule."""
    labels = FIELD_LABELS[language]
    if field.startswith("retention_rules."):
        parts = field.split(".")
        quoted = f"« {parts[1]} »" if language == "fr" else f"“{parts[1]}”"
        label = f"{labels['retention_rules']} {quoted}"
        if len(parts) > 2:
            return f"{label} · {RULE_ATTRIBUTE_LABELS[language].get(parts[2], parts[2])}"
        return label
    return labels.get(field, field)
