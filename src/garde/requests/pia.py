"""The PIA information pack (GDPR art. 28(3)(f) and 35(7); R-21): what the operator, as
processor, gives a client that carries out an impact assessment on a service it buys.

Built from the latest published register for the services the client asked about: processing
description, data categories and subjects, storage locations, subprocessors and other
recipients, transfers, retention, security measures, and the points the register has not
stated yet. Each pack is versioned (request reference and register version) and dated.

Three renderings of the same content: a printable page, a PDF, and a JSON file the CNIL's
open-source PIA tool imports (LINCnil/pia; format and mapping in docs/pia-export.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape as html_escape
from typing import Any

from django.conf import settings
from django.utils import timezone

from garde.register.formatting import localized
from garde.register.models import RegisterVersion
from garde.register.selectors import register_version_latest
from garde.requests.documents import (
    EEA,
    Document,
    Section,
    activities_for_services,
    date_text,
    document_html,
    document_pdf,
    names,
    retention_text,
)
from garde.requests.models import Request

# The PIA tool release whose export/import code this follows (docs/pia-export.md).
PIA_TOOL_VERSION = "3.x (LINCnil/pia, PiaService.exportData/importData)"
PIA_STATUS_DOING = 0  # pia.model.ts: 0 doing, 1 refused, 2 simple validation, 3 signed, 4 archived
MEASURE_PLACEHOLDER = "measures.default_placeholder"  # the tool's own i18n key

# Question ids of the tool's pia_architecture.json that the pack answers.
Q_PROCESSING = 111  # 1.1 Vue d'ensemble: quel est le traitement qui fait l'objet de l'étude ?
Q_RESPONSIBILITIES = 112  # 1.1: quelles sont les responsabilités liées au traitement ?
Q_DATA = 121  # 1.2 Données, processus et supports: quelles sont les données traitées ?
Q_LIFECYCLE = 122  # 1.2: comment le cycle de vie des données se déroule-t-il ?
Q_SUPPORTS = 123  # 1.2: quels sont les supports des données ?
Q_RETENTION = 215  # 2.1 Proportionnalité: quelle est la durée de conservation des données ?
Q_SUBPROCESSORS = 226  # 2.2 Mesures protectrices: obligations des sous-traitants
Q_TRANSFERS = 227  # 2.2: transferts en dehors de l'Union européenne
ANSWERED_QUESTIONS = (
    Q_PROCESSING,
    Q_RESPONSIBILITIES,
    Q_DATA,
    Q_LIFECYCLE,
    Q_SUPPORTS,
    Q_RETENTION,
    Q_SUBPROCESSORS,
    Q_TRANSFERS,
)

T: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Dossier d'information pour votre analyse d'impact (PIA)",
        "intro": "En tant que sous-traitant, {company} vous aide à réaliser l'analyse d'impact "
        "relative à la protection des données des services que vous lui confiez (art. 28.3.f "
        "et 35.7 du RGPD). Ce dossier décrit ces services tels que notre registre des "
        "traitements les documente.",
        "pack": "Dossier",
        "pack_version": "{ref}, registre version {version} publié le {published}",
        "generated": "Établi le",
        "client": "Organisation cliente",
        "services": "Services concernés",
        "description": "Description du traitement",
        "purposes": "Finalités",
        "responsibilities": "Responsabilités",
        "responsibilities_text": "Responsable du traitement : {client}. Sous-traitant : "
        "{company}, qui traite les données sur vos instructions documentées (art. 28 du RGPD).",
        "subjects": "Personnes concernées",
        "categories": "Catégories de données",
        "locations": "Localisation des données",
        "subprocessors": "Sous-traitants ultérieurs",
        "recipients": "Autres destinataires",
        "none": "aucun",
        "transfers": "Transferts hors de l'Union européenne",
        "no_transfer": "aucun transfert hors de l'Union européenne",
        "third_country": "hors EEE",
        "retention": "Durées de conservation",
        "measures": "Mesures de sécurité",
        "tested": "dernier test le {date}",
        "lifecycle": "Cycle de vie des données",
        "lifecycle_text": "Origine : {sources}. Stockage : {locations}. Conservation : "
        "{retention}. En fin de contrat, les données sont supprimées ou restituées selon "
        "votre choix (art. 28.3.g du RGPD).",
        "not_stated": "Points à confirmer",
        "not_stated_text": "La politique publiée ne précise pas les éléments suivants ; le "
        "registre les renseigne par une valeur de référence que notre DPO doit confirmer :",
        "certifications": "Certifications",
        "certifications_text": "Aucune certification n'est enregistrée dans le registre publié.",
        "contact": "Contact",
        "contact_text": "Délégué à la protection des données : {email}",
        "no_register": "Notre registre des traitements n'est pas encore publié : ce dossier "
        "ne peut pas être établi.",
        "fields": "description,finalités,catégories de données,personnes concernées,sources,"
        "destinataires,transferts,localisation,mesures de sécurité,conservation",
    },
    "en": {
        "title": "Information pack for your data protection impact assessment (DPIA)",
        "intro": "As processor, {company} assists you in carrying out the data protection "
        "impact assessment of the services you entrust to it (GDPR art. 28(3)(f) and 35(7)). "
        "This pack describes those services as our register of processing documents them.",
        "pack": "Pack",
        "pack_version": "{ref}, register version {version} published on {published}",
        "generated": "Issued on",
        "client": "Client organisation",
        "services": "Services concerned",
        "description": "Description of the processing",
        "purposes": "Purposes",
        "responsibilities": "Responsibilities",
        "responsibilities_text": "Controller: {client}. Processor: {company}, which processes "
        "the data on your documented instructions (GDPR art. 28).",
        "subjects": "Data subjects",
        "categories": "Categories of data",
        "locations": "Where the data is kept",
        "subprocessors": "Subprocessors",
        "recipients": "Other recipients",
        "none": "none",
        "transfers": "Transfers outside the European Union",
        "no_transfer": "no transfer outside the European Union",
        "third_country": "outside the EEA",
        "retention": "Retention periods",
        "measures": "Security measures",
        "tested": "last tested on {date}",
        "lifecycle": "Data life cycle",
        "lifecycle_text": "Origin: {sources}. Storage: {locations}. Retention: {retention}. At "
        "the end of the contract, the data is deleted or returned, as you choose (GDPR art. "
        "28(3)(g)).",
        "not_stated": "Points to confirm",
        "not_stated_text": "The published policy does not state the following; the register "
        "fills them with a reference value our DPO must confirm:",
        "certifications": "Certifications",
        "certifications_text": "No certification is recorded in the published register.",
        "contact": "Contact",
        "contact_text": "Data protection officer: {email}",
        "no_register": "Our register of processing is not published yet: this pack cannot be "
        "issued.",
        "fields": "description,purposes,data categories,data subjects,sources,recipients,"
        "transfers,storage locations,security measures,retention",
    },
}
SOURCES = {
    "fr": {
        "direct": "fournies par les personnes",
        "observed": "observées",
        "third_party": "confiées par le client",
    },
    "en": {
        "direct": "given by the persons",
        "observed": "observed",
        "third_party": "entrusted by the client",
    },
}
_NOT_STATED_KEYS = (
    "description",
    "purposes",
    "data_categories",
    "data_subjects",
    "sources",
    "recipients",
    "transfers_outside_eu",
    "storage_locations",
    "security_measures",
    "retention_rules",
)


@dataclass(frozen=True)
class PackMeasure:
    name: str
    description: str
    last_tested_at: str | None


@dataclass(frozen=True)
class PackActivity:
    """One service as the pack describes it, already in the pack's language."""

    slug: str
    name: str
    description: str
    purposes: tuple[str, ...]
    data_subjects: tuple[str, ...]
    data_categories: tuple[str, ...]
    sources: tuple[str, ...]
    locations: tuple[str, ...]
    subprocessors: tuple[str, ...]
    recipients: tuple[str, ...]
    transfers: str
    retention: tuple[str, ...]
    measures: tuple[PackMeasure, ...]
    not_stated: tuple[str, ...]


@dataclass(frozen=True)
class PiaPack:
    language: str
    reference: str
    version_label: str
    register_version: int | None
    register_published_at: datetime | None
    generated_at: datetime
    company: str
    dpo_email: str
    client_name: str
    author_name: str
    activities: tuple[PackActivity, ...]


def _place(row: dict[str, Any], language: str, t: dict[str, str]) -> str:
    name = str(localized(row, "name", language))
    country = row.get("country")
    if country and country not in EEA:
        return f"{name} ({country}, {t['third_country']})"
    return f"{name} ({country})" if country else name


def _activity(activity: dict[str, Any], language: str, t: dict[str, str]) -> PackActivity:
    labels = dict(zip(_NOT_STATED_KEYS, t["fields"].split(","), strict=True))
    recipients = activity["recipients"]
    return PackActivity(
        slug=activity["slug"],
        name=str(localized(activity, "name", language)),
        description=str(localized(activity, "description", language) or ""),
        purposes=tuple(localized(activity, "purposes", language) or ()),
        data_subjects=tuple(names(activity["data_subjects"], language)),
        data_categories=tuple(names(activity["data_categories"], language)),
        sources=tuple(SOURCES[language].get(s, s) for s in activity["sources"]),
        locations=tuple(_place(loc, language, t) for loc in activity["storage_locations"]),
        subprocessors=tuple(
            _place(r, language, t) for r in recipients if r.get("kind") == "subprocessor"
        ),
        recipients=tuple(
            _place(r, language, t) for r in recipients if r.get("kind") != "subprocessor"
        ),
        transfers=str(localized(activity, "transfers_outside_eu", language) or t["no_transfer"]),
        retention=tuple(retention_text(rule, language) for rule in activity["retention_rules"]),
        measures=tuple(
            PackMeasure(
                name=str(localized(m, "name", language)),
                description=str(localized(m, "description", language) or ""),
                last_tested_at=m.get("last_tested_at"),
            )
            for m in activity["security_measures"]
        ),
        not_stated=tuple(labels.get(key, key) for key in activity.get("not_stated", [])),
    )


def pia_pack_activities(request: Request, version: RegisterVersion | None) -> list[dict[str, Any]]:
    """The processor activities the request's services name (all of them when none match)."""
    if version is None:
        return []
    return activities_for_services(version.snapshot, request.services, role="processor")


def pia_pack_build(
    *,
    request: Request,
    version: RegisterVersion | None = None,
    activity_slugs: Iterable[str] | None = None,
) -> PiaPack:
    """The pack for ``request`` from ``version`` (default: the latest published register)."""
    language = request.language if request.language in T else "fr"
    t = T[language]
    version = version or register_version_latest()
    now = timezone.now()
    operator: dict[str, Any] = version.snapshot.get("operator", {}) if version else {}
    activities: list[dict[str, Any]] = []
    if version is not None:
        activities = activities_for_services(
            version.snapshot, request.services, role="processor", slugs=activity_slugs
        )
    client = request.organisation
    return PiaPack(
        language=language,
        reference=request.reference,
        version_label=(
            t["pack_version"].format(
                ref=request.reference,
                version=version.number,
                published=date_text(version.published_at, language),
            )
            if version
            else request.reference
        ),
        register_version=version.number if version else None,
        register_published_at=version.published_at if version else None,
        generated_at=now,
        company=operator.get("company_name") or settings.GARDE_OPERATOR_NAME,
        dpo_email=operator.get("dpo_email", ""),
        client_name=client.name if client else request.requester_name,
        author_name=request.requester_name,
        activities=tuple(_activity(a, language, t) for a in activities),
    )


# --- document (page and PDF) -------------------------------------------------------------


def _join(values: Iterable[str], t: dict[str, str]) -> str:
    return "; ".join(values) or t["none"]


def pia_pack_document(pack: PiaPack) -> Document:
    t = T[pack.language]
    sections: list[Section] = []
    if pack.register_version is None:
        sections.append(Section(heading=t["description"], paragraphs=(t["no_register"],)))
    for activity in pack.activities:
        subsections = [
            Section(
                heading=t["description"],
                paragraphs=tuple(p for p in (activity.description,) if p),
                facts=((t["purposes"], _join(activity.purposes, t)),),
            ),
            Section(
                heading=t["responsibilities"],
                paragraphs=(
                    t["responsibilities_text"].format(
                        client=pack.client_name, company=pack.company
                    ),
                ),
            ),
            Section(
                heading=t["categories"],
                facts=(
                    (t["subjects"], _join(activity.data_subjects, t)),
                    (t["categories"], _join(activity.data_categories, t)),
                ),
            ),
            Section(heading=t["locations"], items=activity.locations or (t["none"],)),
            Section(
                heading=t["subprocessors"],
                facts=(
                    (t["subprocessors"], _join(activity.subprocessors, t)),
                    (t["recipients"], _join(activity.recipients, t)),
                    (t["transfers"], activity.transfers),
                ),
            ),
            Section(heading=t["retention"], items=activity.retention or (t["none"],)),
            Section(
                heading=t["measures"],
                items=tuple(
                    f"{m.name} : {m.description}" if m.description else m.name
                    for m in activity.measures
                )
                or (t["none"],),
            ),
        ]
        if activity.not_stated:
            subsections.append(
                Section(
                    heading=t["not_stated"],
                    paragraphs=(t["not_stated_text"],),
                    items=activity.not_stated,
                )
            )
        sections.append(Section(heading=activity.name, subsections=tuple(subsections)))
    sections.append(Section(heading=t["certifications"], paragraphs=(t["certifications_text"],)))
    if pack.dpo_email:
        sections.append(
            Section(
                heading=t["contact"], paragraphs=(t["contact_text"].format(email=pack.dpo_email),)
            )
        )
    return Document(
        language=pack.language,
        title=t["title"],
        reference=pack.reference,
        sender=(pack.company,),
        intro=(
            t["intro"].format(company=pack.company),
            f"{t['pack']} : {pack.version_label}"
            if pack.language == "fr"
            else f"{t['pack']}: {pack.version_label}",
            f"{t['generated']} {date_text(pack.generated_at, pack.language)}",
            f"{t['client']} : {pack.client_name}"
            if pack.language == "fr"
            else f"{t['client']}: {pack.client_name}",
            (f"{t['services']} : " if pack.language == "fr" else f"{t['services']}: ")
            + _join((a.name for a in pack.activities), t),
        ),
        sections=tuple(sections),
        footer=f"{pack.company} · {pack.version_label}",
    )


def pia_pack_html(pack: PiaPack, *, back_url: str = "") -> str:
    return document_html(pia_pack_document(pack), back_url=back_url)


def pia_pack_pdf(pack: PiaPack) -> bytes:
    return document_pdf(pia_pack_document(pack))


# --- the PIA tool's export format --------------------------------------------------------


def _iso(value: datetime) -> str:
    """The tool writes JavaScript ``Date.toJSON()``: UTC with milliseconds and a Z."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _escape(text: str) -> str:
    return html_escape(text, quote=False)


def _html_list(items: Iterable[str]) -> str:
    rows = "".join(f"<li>{_escape(item)}</li>" for item in items)
    return f"<ul>{rows}</ul>" if rows else ""


def _html_block(title: str, body: str) -> str:
    return f"<p><strong>{_escape(title)}</strong></p>{body}"


def _answers_text(pack: PiaPack) -> dict[int, str]:
    """The HTML (the tool edits answers with TinyMCE) of each question the pack answers."""
    t = T[pack.language]
    per_activity: dict[int, list[str]] = {q: [] for q in ANSWERED_QUESTIONS}
    for a in pack.activities:
        per_activity[Q_PROCESSING].append(
            _html_block(
                a.name,
                (f"<p>{_escape(a.description)}</p>" if a.description else "")
                + f"<p>{_escape(t['purposes'])} :</p>"
                + _html_list(a.purposes),
            )
        )
        per_activity[Q_DATA].append(
            _html_block(
                a.name,
                _html_list(
                    [
                        f"{t['subjects']} : {_join(a.data_subjects, t)}",
                        f"{t['categories']} : {_join(a.data_categories, t)}",
                        f"{t['retention']} : {_join(a.retention, t)}",
                        f"{t['subprocessors']} : {_join(a.subprocessors, t)}",
                        f"{t['recipients']} : {_join(a.recipients, t)}",
                    ]
                ),
            )
        )
        per_activity[Q_LIFECYCLE].append(
            _html_block(
                a.name,
                "<p>"
                + _escape(
                    t["lifecycle_text"].format(
                        sources=_join(a.sources, t),
                        locations=_join(a.locations, t),
                        retention=_join(a.retention, t),
                    )
                )
                + "</p>",
            )
        )
        per_activity[Q_SUPPORTS].append(_html_block(a.name, _html_list(a.locations)))
        per_activity[Q_RETENTION].append(_html_block(a.name, _html_list(a.retention)))
        per_activity[Q_SUBPROCESSORS].append(
            _html_block(a.name, _html_list(a.subprocessors or (t["none"],)))
        )
        per_activity[Q_TRANSFERS].append(_html_block(a.name, f"<p>{_escape(a.transfers)}</p>"))
    responsibilities = t["responsibilities_text"].format(
        client=pack.client_name, company=pack.company
    )
    per_activity[Q_RESPONSIBILITIES] = (
        [f"<p>{_escape(responsibilities)}</p>"] if pack.activities else []
    )
    return {q: "".join(parts) for q, parts in per_activity.items() if parts}


def pia_pack_json(pack: PiaPack) -> dict[str, Any]:
    """The pack as a PIA tool export file: what ``PiaService.exportData`` writes and
    ``importData`` reads (top-level ``pia``, ``answers``, ``measures``, ``evaluations``,
    ``comments``). Evaluations and comments are the client's own work, so they start empty;
    the status is "doing" (0)."""
    t = T[pack.language]
    created = _iso(pack.generated_at)
    pia_id = 1
    names_ = ", ".join(a.name for a in pack.activities) or t["title"]
    pia = {
        "id": pia_id,
        "name": f"{names_} — {pack.client_name}",
        "category": "",
        "status": PIA_STATUS_DOING,
        "author_name": pack.author_name,
        "evaluator_name": "",
        "validator_name": "",
        "dpo_status": None,
        "dpo_opinion": "",
        "concerned_people_opinion": "",
        "concerned_people_status": None,
        "concerned_people_searched_opinion": False,
        "concerned_people_searched_content": "",
        "rejected_reason": "",
        "applied_adjustements": "",
        "dpos_names": "",
        "people_names": "",
        "progress": 0,
        "is_example": 0,
        "is_archive": 0,
        "created_at": created,
        "updated_at": created,
    }
    answers = [
        {
            "id": index,
            "pia_id": pia_id,
            "reference_to": question,
            "data": {"text": text, "gauge": 0, "list": []},
            "created_at": created,
            "updated_at": created,
        }
        for index, (question, text) in enumerate(sorted(_answers_text(pack).items()), start=1)
    ]
    seen: dict[str, PackMeasure] = {}
    for activity in pack.activities:
        for measure in activity.measures:
            seen.setdefault(measure.name, measure)
    measures = [
        {
            "id": index,
            "pia_id": pia_id,
            "title": measure.name,
            "content": f"<p>{_escape(measure.description)}</p>"
            + (
                f"<p>{_escape(t['tested'].format(date=measure.last_tested_at))}</p>"
                if measure.last_tested_at
                else ""
            ),
            "placeholder": MEASURE_PLACEHOLDER,
            "created_at": created,
            "updated_at": created,
        }
        for index, measure in enumerate(seen.values(), start=1)
    ]
    return {"pia": pia, "answers": answers, "measures": measures, "evaluations": [], "comments": []}


def pia_pack_filename(pack: PiaPack, extension: str) -> str:
    number = f"-v{pack.register_version}" if pack.register_version else ""
    return f"{pack.reference}-pia{number}.{extension}"
