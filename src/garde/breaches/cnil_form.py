"""The CNIL's breach-notification form (GDPR, reconstructed ⚠ R-39a) and Annex I of Regulation
611/2013 (telecom, ⚠ R-39b): the sections and fields a draft carries, filled from the register,
and the fields each kind of notification cannot go without. docs/breaches.md lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garde.breaches.choices import (
    Circumstance,
    Nature,
    NotificationKind,
    Origin,
    PersonsDecision,
    Regime,
    RiskLevel,
    ServiceKind,
)
from garde.breaches.models import Breach
from garde.register.choices import ProcessingRole
from garde.register.models import OperatorProfile

# Fields a notification cannot go without, by regime and kind (R-33, R-39b). On an initial GDPR
# notification only the art. 33(3) minimum is required; the rest may follow.
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    (Regime.GDPR, NotificationKind.INITIAL): ("description", "natures", "dpo_contact"),
    (Regime.GDPR, NotificationKind.COMPLEMENTARY): (
        "description",
        "natures",
        "dpo_contact",
        "consequences",
        "measures_taken",
        "people_count",
        "records_count",
    ),
    (Regime.TELECOM, NotificationKind.INITIAL): (
        "description",
        "dpo_contact",
        "circumstance",
        "started_at",
        "data_detail",
        "measures_taken",
    ),
    (Regime.TELECOM, NotificationKind.COMPLEMENTARY): (
        "description",
        "people_count",
        "consequences",
        "measures_proposed",
    ),
}
REQUIRED[(Regime.GDPR, NotificationKind.COMPLETE)] = REQUIRED[
    (Regime.GDPR, NotificationKind.COMPLEMENTARY)
]
REQUIRED[(Regime.TELECOM, NotificationKind.COMPLETE)] = (
    REQUIRED[(Regime.TELECOM, NotificationKind.INITIAL)]
    + REQUIRED[(Regime.TELECOM, NotificationKind.COMPLEMENTARY)]
)


def when(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


def _labels(values: list[str], choices: Any) -> str:
    return ", ".join(str(choices(v).label) for v in values if v in choices.values)


def _field(key: str, label: Any, value: Any) -> dict[str, Any]:
    return {"key": key, "label": str(label), "value": "" if value is None else str(value)}


def _persons_text(breach: Breach) -> str:
    if not breach.persons_decision:
        return ""
    text = str(PersonsDecision(breach.persons_decision).label)
    campaign = breach.campaigns.order_by("-created_at").first()
    if campaign is not None and campaign.started_at:
        count = campaign.recipients.filter(status="sent").count()
        text += _(" — e-mail du %(date)s à %(count)s personne(s)") % {
            "date": when(campaign.started_at),
            "count": count,
        }
    if breach.public_notice_url:
        text += f" — {breach.public_notice_url}"
    return text


def _gdpr_sections(breach: Breach, kind: str, operator: OperatorProfile | None) -> list[Any]:
    activities = list(breach.activities.all())
    processor = [a for a in activities if a.role == ProcessingRole.PROCESSOR]
    section = gettext_lazy
    return [
        (
            section("Type de notification"),
            [
                _field("kind", _("Type"), NotificationKind(kind).label),
            ],
        ),
        (
            section("Responsable de traitement"),
            [
                _field(
                    "controller_name", _("Organisme"), operator.company_name if operator else ""
                ),
                _field("controller_address", _("Adresse"), operator.address if operator else ""),
                _field("controller_sector", _("Secteur"), _("Télécommunications et hébergement")),
            ],
        ),
        (
            section("Contact"),
            [_field("dpo_contact", _("DPO ou point de contact"), breach.dpo_contact)],
        ),
        (
            section("Chronologie"),
            [
                _field("started_at", _("Début de la violation"), when(breach.started_at)),
                _field(
                    "ended_at",
                    _("Fin de la violation"),
                    when(breach.ended_at) or _("en cours ou inconnue"),
                ),
                _field("discovered_at", _("Découverte"), when(breach.discovered_at)),
                _field("aware_at", _("Prise de connaissance"), when(breach.aware_at)),
                _field(
                    "discovery_method",
                    _("Comment la violation a été découverte"),
                    breach.discovery_method,
                ),
                _field("delay_reason", _("Motifs du retard (au-delà de 72 heures)"), ""),
            ],
        ),
        (
            section("Nature de la violation"),
            [
                _field("natures", _("Nature"), _labels(breach.natures, Nature)),
                _field(
                    "circumstance", _("Circonstances"), _labels([breach.circumstance], Circumstance)
                ),
                _field("origin", _("Origine"), _labels([breach.origin], Origin)),
                _field("description", _("Description"), breach.description),
                _field(
                    "systems",
                    _("Supports et systèmes concernés"),
                    ", ".join(
                        [_labels(breach.services, ServiceKind), *(a.name_fr for a in activities)]
                    ).strip(", "),
                ),
            ],
        ),
        (
            section("Personnes concernées"),
            [
                _field(
                    "subject_categories",
                    _("Catégories de personnes"),
                    ", ".join(c.name for c in breach.subject_categories.all()),
                ),
                _field("people_count", _("Nombre approximatif de personnes"), breach.people_count),
                _field(
                    "vulnerable_people",
                    _("Mineurs ou personnes vulnérables"),
                    _("oui") if breach.vulnerable_people else _("non"),
                ),
            ],
        ),
        (
            section("Données concernées"),
            [
                _field(
                    "data_categories",
                    _("Catégories de données"),
                    ", ".join(c.name for c in breach.data_categories.all()),
                ),
                _field("data_detail", _("Précisions sur les données"), breach.data_detail),
                _field(
                    "records_count",
                    _("Nombre approximatif d'enregistrements"),
                    breach.records_count,
                ),
            ],
        ),
        (
            section("Conséquences"),
            [
                _field("consequences", _("Conséquences probables"), breach.consequences),
                _field(
                    "severity",
                    _("Gravité estimée"),
                    f"{breach.severity} — {RiskLevel(breach.risk_level).label}"
                    if breach.risk_level
                    else "",
                ),
            ],
        ),
        (
            section("Mesures"),
            [
                _field("measures_taken", _("Mesures prises"), breach.measures_taken),
                _field("measures_proposed", _("Mesures envisagées"), breach.measures_proposed),
                _field(
                    "prior_measures",
                    _("Mesures préexistantes (ex. chiffrement)"),
                    breach.prior_measures,
                ),
            ],
        ),
        (
            section("Information des personnes"),
            [
                _field("persons", _("Information des personnes"), _persons_text(breach)),
                _field("persons_reason", _("Motif"), breach.persons_reason),
            ],
        ),
        (
            section("Aspects transfrontaliers"),
            [
                _field("cross_border", _("Autres États membres ou autorités"), breach.cross_border),
            ],
        ),
        (
            section("Sous-traitance"),
            [
                _field(
                    "processor", _("Rôle de sous-traitant"), ", ".join(a.name_fr for a in processor)
                ),
            ],
        ),
    ]


def _telecom_sections(breach: Breach, kind: str, operator: OperatorProfile | None) -> list[Any]:
    section = gettext_lazy
    first = kind == NotificationKind.INITIAL
    return [
        (
            section("Section 1 (24 heures)"),
            [
                _field("provider", _("Fournisseur"), operator.company_name if operator else ""),
                _field("dpo_contact", _("DPO ou point de contact"), breach.dpo_contact),
                _field(
                    "kind",
                    _("Première ou deuxième notification"),
                    _("première") if first else _("deuxième"),
                ),
                _field("started_at", _("Date et heure de l'incident"), when(breach.started_at)),
                _field("aware_at", _("Date et heure de la détection"), when(breach.aware_at)),
                _field(
                    "circumstance", _("Circonstances"), _labels([breach.circumstance], Circumstance)
                ),
                _field("data_detail", _("Nature et contenu des données"), breach.data_detail),
                _field(
                    "measures_taken",
                    _("Mesures techniques et organisationnelles"),
                    breach.measures_taken,
                ),
                _field(
                    "other_providers", _("Recours à d'autres fournisseurs"), breach.other_providers
                ),
            ],
        ),
        (
            section("Section 2 (3 jours)"),
            [
                _field("description", _("Résumé de l'incident"), breach.description),
                _field(
                    "people_count",
                    _("Nombre d'abonnés ou de personnes concernés"),
                    breach.people_count,
                ),
                _field(
                    "consequences",
                    _("Conséquences et effets négatifs potentiels"),
                    breach.consequences,
                ),
                _field("measures_proposed", _("Mesures d'atténuation"), breach.measures_proposed),
                _field(
                    "persons",
                    _("Contenu et moyens de l'information des personnes"),
                    _persons_text(breach),
                ),
                _field("cross_border", _("Aspects transfrontaliers"), breach.cross_border),
            ],
        ),
    ]


def notification_content(breach: Breach, kind: str, language: str = "fr") -> dict[str, Any]:
    """The form's sections and fields filled from the register, in ``language``."""
    operator = OperatorProfile.objects.first()
    with translation.override(language):
        build = _telecom_sections if breach.regime == Regime.TELECOM else _gdpr_sections
        sections = build(breach, kind, operator)
        return {
            "form": "611/2013 annex I" if breach.regime == Regime.TELECOM else "cnil_gdpr",
            "breach": breach.reference,
            "regime": breach.regime,
            "kind": kind,
            "language": language,
            "sections": [{"title": str(title), "fields": fields} for title, fields in sections],
        }


def missing_fields(breach: Breach, kind: str) -> list[str]:
    missing = []
    for name in REQUIRED[(breach.regime, kind)]:
        value = getattr(breach, name)
        if value in (None, "", []):
            missing.append(name)
    return missing
