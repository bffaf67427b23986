"""Exports of a published register version (R-26): CSV and JSON for machines and spreadsheets,
and a PDF in the layout of the CNIL's model register (one sheet per activity, the controller
register then the processor register with the client controllers).

Pure functions over a snapshot dict (see ``snapshot.py``): the same version always exports the
same content. Every export names the version and its publication time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from garde.register.formatting import (
    LEGAL_BASES,
    ROLES,
    SOURCES,
    field_label,
    localized,
    named_label,
    retention_rule_text,
)

LIST_SEPARATOR = " | "
CSV_COLUMNS: tuple[str, ...] = (
    "register_version",
    "published_at",
    "register",
    "slug",
    "name_fr",
    "name_en",
    "description_fr",
    "operator",
    "operator_address",
    "dpo_email",
    "client_controllers",
    "purposes_fr",
    "purposes_en",
    "legal_basis",
    "legal_basis_label",
    "legal_basis_detail_fr",
    "data_subjects",
    "data_subject_keys",
    "data_categories",
    "data_category_keys",
    "sources",
    "recipients",
    "transfers_outside_eu",
    "storage_locations",
    "retention_periods",
    "retention_rule_keys",
    "security_measures",
    "team",
    "not_stated",
)
ROLE_ORDER = ("controller", "processor")


def _join(values: list[Any]) -> str:
    return LIST_SEPARATOR.join(str(v) for v in values)


def _activities(snapshot: dict[str, Any], role: str | None = None) -> list[dict[str, Any]]:
    activities: list[dict[str, Any]] = snapshot.get("activities", [])
    return [a for a in activities if role is None or a.get("role") == role]


def _published_text(published_at: datetime | None) -> str:
    return timezone.localtime(published_at).isoformat() if published_at else ""


def _csv_row(
    activity: dict[str, Any], operator: dict[str, Any], version: str, published: str
) -> dict[str, str]:
    rules = activity.get("retention_rules", [])
    return {
        "register_version": version,
        "published_at": published,
        "register": activity.get("role", ""),
        "slug": activity["slug"],
        "name_fr": activity.get("name_fr", ""),
        "name_en": activity.get("name_en", ""),
        "description_fr": activity.get("description_fr", ""),
        "operator": operator.get("company_name", ""),
        "operator_address": operator.get("address", ""),
        "dpo_email": operator.get("dpo_email", ""),
        "client_controllers": _join([c["name"] for c in activity.get("client_controllers", [])]),
        "purposes_fr": _join(activity.get("purposes_fr", [])),
        "purposes_en": _join(activity.get("purposes_en", [])),
        "legal_basis": activity.get("legal_basis", ""),
        "legal_basis_label": LEGAL_BASES["fr"].get(activity.get("legal_basis", ""), ""),
        "legal_basis_detail_fr": activity.get("legal_basis_detail_fr", ""),
        "data_subjects": _join([named_label(s) for s in activity.get("data_subjects", [])]),
        "data_subject_keys": _join([s["key"] for s in activity.get("data_subjects", [])]),
        "data_categories": _join([named_label(c) for c in activity.get("data_categories", [])]),
        "data_category_keys": _join([c["key"] for c in activity.get("data_categories", [])]),
        "sources": _join(activity.get("sources", [])),
        "recipients": _join([named_label(r) for r in activity.get("recipients", [])]),
        "transfers_outside_eu": activity.get("transfers_outside_eu_fr", ""),
        "storage_locations": _join([named_label(s) for s in activity.get("storage_locations", [])]),
        "retention_periods": _join([retention_rule_text(r) for r in rules]),
        "retention_rule_keys": _join([r["key"] for r in rules]),
        "security_measures": _join([named_label(m) for m in activity.get("security_measures", [])]),
        "team": activity.get("team_fr", ""),
        "not_stated": _join(activity.get("not_stated", [])),
    }


def register_to_csv(
    snapshot: dict[str, Any],
    role: str | None = None,
    *,
    version_number: int | None = None,
    published_at: datetime | None = None,
) -> str:
    """One row per activity (``role`` keeps one register), a column for every art. 30 field;
    lists joined with " | ". A header row, no byte-order mark. Each row carries the version
    number and publication time when given."""
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    operator = snapshot.get("operator", {})
    version = "" if version_number is None else str(version_number)
    published = _published_text(published_at)
    for activity in _activities(snapshot, role):
        writer.writerow(_csv_row(activity, operator, version, published))
    return output.getvalue()


def register_to_json(
    snapshot: dict[str, Any],
    *,
    version_number: int | None = None,
    published_at: datetime | None = None,
) -> str:
    """The snapshot as JSON; with a version number, wrapped as the API returns it:
    ``{"number", "published_at", "snapshot"}``."""
    document: dict[str, Any] = snapshot
    if version_number is not None:
        document = {
            "number": version_number,
            "published_at": _published_text(published_at),
            "snapshot": snapshot,
        }
    return json.dumps(document, ensure_ascii=False, indent=2)


_PDF_TEXT = {
    "fr": {
        "title": "Registre des activités de traitement",
        "version": "Version n° {number} publiée le {date}",
        "generated": "Document produit le {date}. Registre tenu en application de l'article 30 "
        "du RGPD.",
        "empty": "Aucun traitement dans ce registre.",
        "controller_dpo": "Responsable / DPO",
        "processor_dpo": "Sous-traitant / DPO",
        "clients": "Clients responsables de traitement",
        "purposes": "Finalités",
        "legal_basis": "Base légale",
        "subjects": "Catégories de personnes",
        "data": "Catégories de données",
        "sources": "Sources",
        "recipients": "Destinataires",
        "transfers": "Transferts hors UE",
        "no_transfer": "Aucun transfert hors de l'Union européenne",
        "locations": "Lieux de conservation",
        "retention": "Durées de conservation",
        "security": "Mesures de sécurité",
        "team": "Service responsable",
        "not_stated": "Non précisé dans la politique publiée",
        "to_decide": "à décider",
        "dpo": "DPO",
        "tested": "testée le",
        "page": "page",
        "none": "—",
    },
    "en": {
        "title": "Record of processing activities",
        "version": "Version {number} published on {date}",
        "generated": "Document produced on {date}. Record kept under article 30 of the GDPR.",
        "empty": "No processing in this register.",
        "controller_dpo": "Controller / DPO",
        "processor_dpo": "Processor / DPO",
        "clients": "Client controllers",
        "purposes": "Purposes",
        "legal_basis": "Legal basis",
        "subjects": "Categories of data subjects",
        "data": "Categories of personal data",
        "sources": "Sources",
        "recipients": "Recipients",
        "transfers": "Transfers outside the EU",
        "no_transfer": "No transfer outside the European Union",
        "locations": "Storage locations",
        "retention": "Retention periods",
        "security": "Security measures",
        "team": "Department responsible",
        "not_stated": "Not stated in the published policy",
        "to_decide": "to decide",
        "dpo": "DPO",
        "tested": "tested on",
        "page": "page",
        "none": "—",
    },
}


def _datetime_text(value: datetime, language: str) -> str:
    local = timezone.localtime(value)
    return local.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class SheetRow:
    """One line of an activity's sheet: a label and its values, one per line."""

    label: str
    values: tuple[str, ...]
    to_decide: bool = False


@dataclass(frozen=True)
class ActivitySheet:
    """An activity as the CNIL's model register shows it."""

    slug: str
    name: str
    rows: tuple[SheetRow, ...]


@dataclass(frozen=True)
class RegisterPart:
    """The controller register or the processor register."""

    role: str
    title: str
    activities: tuple[ActivitySheet, ...]


def _names(items: list[dict[str, Any]], language: str) -> list[str]:
    return [named_label(item, language) for item in items]


def _actor_lines(snapshot: dict[str, Any], activity: dict[str, Any], language: str) -> list[str]:
    text = _PDF_TEXT[language]
    operator = snapshot.get("operator", {})
    company = operator.get("company_name", "")
    if operator.get("group_name"):
        company += f" ({operator['group_name']})"
    lines = [company, operator.get("address", "")]
    if operator.get("dpo_email"):
        lines.append(f"{text['dpo']} : {operator['dpo_email']}")
    team = localized(activity, "team", language)
    if team:
        lines.append(f"{text['team']} : {team}")
    return lines


def _sheet_rows(
    snapshot: dict[str, Any], activity: dict[str, Any], language: str
) -> list[SheetRow]:
    text = _PDF_TEXT[language]
    processor = activity.get("role") == "processor"
    flagged = set(activity.get("not_stated", []))

    def row(label: str, values: list[str], *fields: str) -> SheetRow:
        return SheetRow(
            label=text[label],
            values=tuple(v for v in values if v) or (text["none"],),
            to_decide=bool(flagged & set(fields)),
        )

    measures = [
        named_label(m, language)
        + (f" ({text['tested']} {m['last_tested_at']})" if m.get("last_tested_at") else "")
        for m in activity.get("security_measures", [])
    ]
    rules = activity.get("retention_rules", [])
    rows = [
        row(
            "processor_dpo" if processor else "controller_dpo",
            _actor_lines(snapshot, activity, language),
            "team_fr",
            "team_en",
        )
    ]
    if processor:
        rows.append(
            row(
                "clients",
                [c["name"] for c in activity.get("client_controllers", [])],
                "client_controllers",
            )
        )
    rows += [
        row(
            "purposes",
            activity.get(f"purposes_{language}") or activity.get("purposes_fr", []),
            "purposes_fr",
            "purposes_en",
        ),
        row(
            "legal_basis",
            [
                LEGAL_BASES[language].get(activity.get("legal_basis", ""), ""),
                localized(activity, "legal_basis_detail", language) or "",
            ],
            "legal_basis",
        ),
        row("subjects", _names(activity.get("data_subjects", []), language), "data_subjects"),
        row("data", _names(activity.get("data_categories", []), language), "data_categories"),
        row(
            "sources", [SOURCES[language].get(s, s) for s in activity.get("sources", [])], "sources"
        ),
        row("recipients", _names(activity.get("recipients", []), language), "recipients"),
        row(
            "transfers",
            [localized(activity, "transfers_outside_eu", language) or text["no_transfer"]],
            "transfers_outside_eu_fr",
            "transfers_outside_eu_en",
        ),
        row(
            "locations",
            _names(activity.get("storage_locations", []), language),
            "storage_locations",
        ),
        SheetRow(
            label=text["retention"],
            values=tuple(retention_rule_text(r, language) for r in rules) or (text["none"],),
            to_decide=any(r.get("not_stated") for r in rules) or "retention_rules" in flagged,
        ),
        row("security", measures, "security_measures"),
    ]
    if flagged:
        rows.append(
            SheetRow(
                label=text["not_stated"],
                values=tuple(field_label(f, language) for f in activity.get("not_stated", [])),
                to_decide=True,
            )
        )
    return rows


def register_sheets(snapshot: dict[str, Any], language: str = "fr") -> list[RegisterPart]:
    """The register laid out like the CNIL's model: the controller register, then the processor
    register; in each, one sheet per activity. Rows whose value the published policy did not
    state are marked ``to_decide``. Read by the PDF and by the printable console page."""
    return [
        RegisterPart(
            role=role,
            title=ROLES[language][role],
            activities=tuple(
                ActivitySheet(
                    slug=activity["slug"],
                    name=str(localized(activity, "name", language)),
                    rows=tuple(_sheet_rows(snapshot, activity, language)),
                )
                for activity in _activities(snapshot, role)
            ),
        )
        for role in ROLE_ORDER
    ]


class _PdfStyles:
    def __init__(self) -> None:
        styles = getSampleStyleSheet()
        self.title = styles["Title"]
        self.h1 = styles["Heading1"]
        self.h2 = styles["Heading2"]
        self.body = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=9, leading=11.5)
        self.label = ParagraphStyle("label", parent=self.body, fontName="Helvetica-Bold")
        self.small = ParagraphStyle("small", parent=self.body, textColor=colors.grey)


def _pdf_sheet(sheet: ActivitySheet, index: int, styles: _PdfStyles, language: str) -> list[Any]:
    to_decide = _PDF_TEXT[language]["to_decide"]
    cells = [
        [
            Paragraph(
                escape(row.label) + (f"<br/><i>{escape(to_decide)}</i>" if row.to_decide else ""),
                styles.label,
            ),
            Paragraph("<br/>".join(escape(v) for v in row.values), styles.body),
        ]
        for row in sheet.rows
    ]
    table = Table(cells, colWidths=[60 * mm, None])
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    commands += [
        ("BACKGROUND", (1, position), (1, position), colors.HexColor("#fff4cc"))
        for position, row in enumerate(sheet.rows)
        if row.to_decide
    ]
    table.setStyle(TableStyle(commands))
    heading = Paragraph(f"{index}. {escape(sheet.name)}", styles.h2)
    identifier = Paragraph(escape(sheet.slug), styles.small)
    return [KeepTogether([heading, identifier, Spacer(1, 2 * mm)]), table, Spacer(1, 6 * mm)]


def _pdf_story(
    snapshot: dict[str, Any], *, version_number: int, published_at: datetime, language: str
) -> list[Any]:
    text = _PDF_TEXT[language]
    styles = _PdfStyles()
    operator_name = snapshot.get("operator", {}).get("company_name", "")
    version = text["version"].format(
        number=version_number, date=_datetime_text(published_at, language)
    )
    generated = text["generated"].format(date=_datetime_text(timezone.now(), language))
    story: list[Any] = [
        Paragraph(escape(f"{text['title']} — {operator_name}"), styles.title),
        Paragraph(escape(version), styles.body),
        Paragraph(escape(generated), styles.small),
    ]
    for position, part in enumerate(register_sheets(snapshot, language)):
        if position:
            story.append(PageBreak())
        story.append(Paragraph(escape(part.title), styles.h1))
        if not part.activities:
            story.append(Paragraph(escape(text["empty"]), styles.body))
        for index, sheet in enumerate(part.activities, start=1):
            story += _pdf_sheet(sheet, index, styles, language)
    return story


def _footer(text: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(15 * mm, 8 * mm, f"{text} {canvas.getPageNumber()}")
        canvas.restoreState()

    return draw


def register_to_pdf(
    snapshot: dict[str, Any], *, version_number: int, published_at: datetime, language: str = "fr"
) -> bytes:
    """The register as a landscape A4 PDF in the layout of the CNIL's model register: the
    controller register, then the processor register naming the client controllers; one
    table per activity."""
    text = _PDF_TEXT[language]
    operator_name = snapshot.get("operator", {}).get("company_name", "")
    footer = f"{operator_name} · {text['title']} · v{version_number} · {text['page']}"
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{text['title']} — {operator_name} — v{version_number}",
        author=operator_name,
        lang=language,
    )
    on_page = _footer(footer)
    document.build(
        _pdf_story(
            snapshot, version_number=version_number, published_at=published_at, language=language
        ),
        onFirstPage=on_page,
        onLaterPages=on_page,
    )
    return buffer.getvalue()
