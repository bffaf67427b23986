"""The short GDPR art. 13 notice shown under a collection form (R-80), built from the latest
published register for one activity: who collects, why and on what basis, who receives the
data, for how long, transfers, the rights and how to exercise them, the DPO, and a link to the
full notice.

Like the full notice (``notice_content``), its wording lives here in French and English rather
than in the UI catalogue: it is legal text derived from the published register, and it must be
complete in English without waiting for a catalogue refresh. The template tag
``{% load short_notice %}{% short_notice "contact-forms" %}`` renders it; an unknown slug, or
no published register, renders nothing and logs a warning, so a public form never fails
because of its notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import get_language

from garde.register.choices import LegalBasis
from garde.register.notice_content import (
    NoticeActivity,
    NoticeOperator,
    notice_build,
    notice_language,
)
from garde.register.selectors import register_version_latest

logger = logging.getLogger(__name__)

SHORT_NOTICE_TEXT = {
    "fr": {
        "heading": "Vos données dans ce formulaire",
        "colon": " : ",
        "who": "Qui",
        "controller": "responsable du traitement",
        "why": "Pourquoi",
        "legal_basis": "Base légale",
        "recipients": "Destinataires",
        "no_recipient": "Aucun destinataire extérieur au service responsable",
        "team": "Service responsable",
        "retention": "Combien de temps",
        "transfers": "Transferts hors de l'Union européenne",
        "no_transfer": "Aucun",
        "rights": "Vos droits",
        "rights_text": "Vous pouvez accéder à vos données, les faire rectifier ou effacer, en "
        "limiter le traitement, vous y opposer et en demander la portabilité.",
        "withdraw": "Vous pouvez retirer votre consentement à tout moment, sans effet sur le "
        "traitement déjà effectué.",
        "exercise": "Pour exercer ces droits, écrivez à notre délégué à la protection des données",
        "exercise_form": "ou utilisez notre formulaire de demande",
        "complaint": "Vous pouvez aussi introduire une réclamation auprès de la CNIL",
        "dpo": "Délégué à la protection des données",
        "full_notice": "Notre politique de protection des données",
    },
    "en": {
        "heading": "Your data in this form",
        "colon": ": ",
        "who": "Who",
        "controller": "controller",
        "why": "Why",
        "legal_basis": "Legal basis",
        "recipients": "Recipients",
        "no_recipient": "No recipient outside the department responsible",
        "team": "Department responsible",
        "retention": "How long",
        "transfers": "Transfers outside the European Union",
        "no_transfer": "None",
        "rights": "Your rights",
        "rights_text": "You may access your data, have it rectified or erased, restrict its "
        "processing, object to it and ask for its portability.",
        "withdraw": "You may withdraw your consent at any time, without affecting the "
        "processing already carried out.",
        "exercise": "To exercise these rights, write to our data protection officer",
        "exercise_form": "or use our request form",
        "complaint": "You may also lodge a complaint with the CNIL",
        "dpo": "Data protection officer",
        "full_notice": "Our data protection policy",
    },
}

CNIL_COMPLAINT_URL = "https://www.cnil.fr/fr/plaintes"


@dataclass(frozen=True)
class ShortNotice:
    """What the short notice of one activity shows, in one language."""

    language: str
    activity: NoticeActivity
    operator: NoticeOperator
    consent_based: bool
    text: dict[str, str]
    register_version: int


def short_notice_for_activity(slug: str, language: str | None = None) -> ShortNotice | None:
    """The short notice of activity ``slug`` from the latest published register, in
    ``language`` (default: the active language); None, with a warning logged, when nothing is
    published or the published register has no such activity."""
    language = notice_language(language or get_language())
    version = register_version_latest()
    if version is None:
        logger.warning("short notice %r: no register version is published", slug)
        return None
    notice = notice_build(version, language)
    activity = next(
        (a for rows in notice.sections.values() for a in rows if a.slug == slug),
        None,
    )
    if activity is None:
        logger.warning(
            "short notice %r: no such activity in register version %s", slug, version.number
        )
        return None
    row = next(r for r in version.snapshot["activities"] if r["slug"] == slug)
    return ShortNotice(
        language=language,
        activity=activity,
        operator=notice.operator,
        consent_based=row["legal_basis"] == LegalBasis.CONSENT,
        text=SHORT_NOTICE_TEXT[language],
        register_version=version.number,
    )


__all__ = ["CNIL_COMPLAINT_URL", "SHORT_NOTICE_TEXT", "ShortNotice", "short_notice_for_activity"]
