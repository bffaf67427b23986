"""Documents Garde sends about a request (the response letter, the PIA information pack): one
plain structure rendered two ways, as a printable HTML page and as a PDF, so both always say
the same thing. Also the few readings of a published register snapshot that both need.

Document wording is frozen with the document, in the request's language, rather than taken
from the UI translation catalogue: a letter in English must be complete and identical
whatever the catalogue holds that day.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from garde.register.formatting import localized, retention_period_text

LANGUAGES = ("fr", "en")

# EEA member states: a recipient elsewhere is in a third country (GDPR art. 15(1)(c), 44).
EEA = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip


@dataclass(frozen=True)
class Section:
    """A titled part of a document: paragraphs, then label/value facts, then bullet items,
    then subsections."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    items: tuple[str, ...] = ()
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Document:
    """A letter or a pack. ``warnings`` are for the DPO (missing register items) and are
    never printed in the document itself."""

    language: str
    title: str
    reference: str
    sender: tuple[str, ...] = ()
    recipient: tuple[str, ...] = ()
    place_date: str = ""
    subject: str = ""
    opening: str = ""
    intro: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    closing: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    footer: str = ""
    warnings: tuple[str, ...] = field(default=())

    def text(self) -> str:
        """Every printed word, in reading order (tests and search)."""
        parts = [
            self.title,
            *self.sender,
            *self.recipient,
            self.place_date,
            self.subject,
            self.opening,
            *self.intro,
        ]
        parts += [line for section in self.sections for line in _section_lines(section)]
        parts += [*self.closing, *self.signature, self.footer]
        return "\n".join(p for p in parts if p)


def _section_lines(section: Section) -> list[str]:
    lines = [section.heading, *section.paragraphs]
    lines += [f"{label} : {value}" for label, value in section.facts]
    lines += list(section.items)
    for sub in section.subsections:
        lines += _section_lines(sub)
    return lines


# --- dates and register readings ---------------------------------------------------------


def date_text(value: date | datetime | None, language: str) -> str:
    """ "15 mars 2026" / "March 15, 2026" (Django's own month names, not the UI catalogue)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    with translation.override(language):
        return str(formats.date_format(value, "DATE_FORMAT"))


def names(rows: Iterable[dict[str, Any]], language: str) -> list[str]:
    return [str(localized(row, "name", language)) for row in rows]


def retention_text(rule: dict[str, Any], language: str) -> str:
    """ "Demandes : 5 ans à compter de la clôture de la demande" from a snapshot rule."""
    colon = " : " if language == "fr" else ": "
    return (
        f"{localized(rule, 'description', language)}{colon}{retention_period_text(rule, language)}"
    )


def _tokens(services: str) -> list[str]:
    return [t.strip().lower() for t in re.split(r"[,;\n]+", services) if t.strip()]


def activities_for_services(
    snapshot: dict[str, Any], services: str, *, role: str, slugs: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The activities of ``role`` a request is about: those named in ``slugs`` when the DPO
    chose them, else those whose slug or name matches a service the requester named, else
    all of them (the requester could not name it: say everything rather than too little)."""
    activities = [a for a in snapshot.get("activities", []) if a["role"] == role]
    if slugs is not None:
        chosen = set(slugs)
        return [a for a in activities if a["slug"] in chosen]
    tokens = _tokens(services)

    def matches(activity: dict[str, Any]) -> bool:
        labels = [activity["name_fr"].lower(), (activity["name_en"] or "").lower()]
        return any(
            token == activity["slug"] or any(token in label for label in labels if label)
            for token in tokens
        )

    matched = [a for a in activities if matches(a)]
    return matched or activities


# --- rendering ---------------------------------------------------------------------------


def document_html(document: Document, *, back_url: str = "") -> str:
    """The printable page (standalone: no site navigation, print style sheet)."""
    return render_to_string("requests/document.html", {"document": document, "back_url": back_url})


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "GardeBody",
        parent=base["BodyText"],
        fontName="Helvetica",
        fontSize=10,
        leading=14,
        spaceAfter=4,
    )
    return {
        "title": ParagraphStyle(
            "GardeTitle", parent=base["Title"], fontSize=16, leading=20, spaceAfter=10
        ),
        "h2": ParagraphStyle(
            "GardeH2",
            parent=base["Heading2"],
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "h3": ParagraphStyle(
            "GardeH3",
            parent=base["Heading3"],
            fontSize=10.5,
            leading=13,
            spaceBefore=6,
            spaceAfter=3,
        ),
        "body": body,
        "right": ParagraphStyle("GardeRight", parent=body, alignment=TA_RIGHT),
        "small": ParagraphStyle("GardeSmall", parent=body, fontSize=8, leading=10),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _section_flowables(
    section: Section, styles: dict[str, ParagraphStyle], depth: int
) -> list[Any]:
    flow: list[Any] = [_para(section.heading, styles["h2" if depth == 0 else "h3"])]
    flow += [_para(p, styles["body"]) for p in section.paragraphs]
    flow += [
        Paragraph(f"<b>{escape(label)}</b> : {escape(value)}", styles["body"])
        for label, value in section.facts
    ]
    if section.items:
        flow.append(
            ListFlowable(
                [ListItem(_para(item, styles["body"]), leftIndent=12) for item in section.items],
                bulletType="bullet",
                start="•",
                leftIndent=12,
            )
        )
    for sub in section.subsections:
        flow += _section_flowables(sub, styles, depth + 1)
    return flow


def document_pdf(document: Document) -> bytes:
    """The same document as an A4 PDF (ReportLab), with the reference and page number in the
    footer of every page."""
    buffer = io.BytesIO()
    styles = _styles()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=document.title,
        author=document.sender[0] if document.sender else "Garde",
        lang=document.language,
    )
    flow: list[Any] = []
    flow += [_para(line, styles["body"]) for line in document.sender]
    if document.recipient:
        flow.append(Spacer(1, 4 * mm))
        flow += [_para(line, styles["right"]) for line in document.recipient]
    if document.place_date:
        flow += [Spacer(1, 4 * mm), _para(document.place_date, styles["right"])]
    flow += [Spacer(1, 4 * mm), _para(document.title, styles["title"])]
    if document.subject:
        flow.append(Paragraph(f"<b>{escape(document.subject)}</b>", styles["body"]))
    if document.opening:
        flow += [Spacer(1, 2 * mm), _para(document.opening, styles["body"])]
    flow += [_para(p, styles["body"]) for p in document.intro]
    for section in document.sections:
        flow += _section_flowables(section, styles, 0)
    if document.closing:
        flow.append(Spacer(1, 4 * mm))
        flow += [_para(p, styles["body"]) for p in document.closing]
    if document.signature:
        flow.append(Spacer(1, 4 * mm))
        flow += [_para(line, styles["body"]) for line in document.signature]
    footer = document.footer or document.reference

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, str(doc.page))
        canvas.restoreState()

    pdf.build(flow, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
