"""Exports: the register of breaches (CSV, PDF; art. 33(5), shown to the CNIL on request) and
each notification draft (JSON, PDF) in the CNIL form's sections."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from garde.breaches.choices import Nature, Regime, RiskLevel, ServiceKind
from garde.breaches.models import AuthorityNotification, Breach

REGISTER_COLUMNS = (
    ("reference", "Référence"),
    ("status", "État"),
    ("regime", "Régime"),
    ("source", "Origine du signalement"),
    ("discovered_at", "Découverte"),
    ("discovery_method", "Mode de découverte"),
    ("aware_at", "Prise de connaissance"),
    ("deadline", "Échéance de notification"),
    ("started_at", "Début"),
    ("ended_at", "Fin"),
    ("title", "Intitulé"),
    ("description", "Description"),
    ("natures", "Nature"),
    ("services", "Services"),
    ("activities", "Traitements"),
    ("data_categories", "Catégories de données"),
    ("subject_categories", "Catégories de personnes"),
    ("people_count", "Personnes (approx.)"),
    ("records_count", "Enregistrements (approx.)"),
    ("consequences", "Conséquences probables"),
    ("measures_taken", "Mesures prises"),
    ("measures_proposed", "Mesures envisagées"),
    ("dpo_contact", "Contact du DPO"),
    ("severity", "Gravité (ENISA)"),
    ("risk_level", "Niveau de risque"),
    ("notify_authority", "Notifiée à la CNIL"),
    ("notify_reason", "Motif de la décision"),
    ("first_sent_at", "Première notification"),
    ("clients", "Clients informés"),
    ("persons", "Information des personnes"),
    ("closed_at", "Clôture"),
)


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""


def _labels(values: Iterable[str], choices: Any) -> str:
    return ", ".join(str(choices(v).label) for v in values if v in choices.values)


def register_row(breach: Breach) -> dict[str, str]:
    sent = [n.sent_at for n in breach.authority_notifications.all() if n.sent_at]
    return {
        "reference": breach.reference,
        "status": breach.get_status_display(),
        "regime": str(Regime(breach.regime).label),
        "source": breach.get_source_display(),
        "discovered_at": _when(breach.discovered_at),
        "discovery_method": breach.discovery_method,
        "aware_at": _when(breach.aware_at),
        "deadline": _when(breach.deadline),
        "started_at": _when(breach.started_at),
        "ended_at": _when(breach.ended_at),
        "title": breach.title,
        "description": breach.description,
        "natures": _labels(breach.natures, Nature),
        "services": _labels(breach.services, ServiceKind),
        "activities": ", ".join(a.name_fr for a in breach.activities.all()),
        "data_categories": ", ".join(c.name_fr for c in breach.data_categories.all()),
        "subject_categories": ", ".join(c.name_fr for c in breach.subject_categories.all()),
        "people_count": "" if breach.people_count is None else str(breach.people_count),
        "records_count": "" if breach.records_count is None else str(breach.records_count),
        "consequences": breach.consequences,
        "measures_taken": breach.measures_taken,
        "measures_proposed": breach.measures_proposed,
        "dpo_contact": breach.dpo_contact,
        "severity": "" if breach.severity is None else str(breach.severity),
        "risk_level": str(RiskLevel(breach.risk_level).label) if breach.risk_level else "",
        "notify_authority": {True: "oui", False: "non", None: ""}[breach.notify_authority],
        "notify_reason": breach.notify_reason,
        "first_sent_at": _when(min(sent)) if sent else "",
        "clients": ", ".join(n.organisation.name for n in breach.client_notices.all()),
        "persons": breach.get_persons_decision_display() if breach.persons_decision else "",
        "closed_at": _when(breach.closed_at),
    }


def _prefetched(breaches: Iterable[Breach]) -> list[Breach]:
    from django.db.models import QuerySet

    if isinstance(breaches, QuerySet):
        breaches = breaches.prefetch_related(
            "activities",
            "data_categories",
            "subject_categories",
            "authority_notifications",
            "client_notices__organisation",
        )
    return list(breaches)


def register_to_csv(breaches: Iterable[Breach]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label in REGISTER_COLUMNS])
    for breach in _prefetched(breaches):
        row = register_row(breach)
        writer.writerow([row[key] for key, _label in REGISTER_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("cell", parent=base["BodyText"], fontSize=8.5, leading=11)
    return {
        "title": base["Title"],
        "h2": base["Heading2"],
        "body": body,
        "label": ParagraphStyle("label", parent=body, fontName="Helvetica-Bold"),
    }


def _table(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    cells = [
        [
            Paragraph(escape(label), styles["label"]),
            Paragraph(escape(value).replace("\n", "<br/>"), styles["body"]),
        ]
        for label, value in rows
    ]
    table = Table(cells, colWidths=[55 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _pdf(title: str, story: list[Any]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        lang="fr",
    )
    document.build(story)
    return buffer.getvalue()


def register_to_pdf(breaches: Iterable[Breach]) -> bytes:
    styles = _styles()
    story: list[Any] = [
        Paragraph("Registre des violations de données (RGPD, art. 33.5)", styles["title"]),
        Paragraph(escape(f"Édité le {_when(timezone.now())}"), styles["body"]),
    ]
    for breach in _prefetched(breaches):
        row = register_row(breach)
        story.append(Paragraph(escape(f"{breach.reference} — {breach.title}"), styles["h2"]))
        story.append(_table([(label, row[key]) for key, label in REGISTER_COLUMNS], styles))
        story.append(Spacer(1, 6 * mm))
    return _pdf("Registre des violations", story)


def notification_to_json(notification: AuthorityNotification) -> bytes:
    payload = {
        **notification.content,
        "drafted_at": notification.drafted_at.isoformat(),
        "sent_at": notification.sent_at.isoformat() if notification.sent_at else None,
        "cnil_reference": notification.cnil_reference,
        "delay_reason": notification.delay_reason,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2).encode()


def notification_to_pdf(notification: AuthorityNotification) -> bytes:
    styles = _styles()
    content = notification.content
    title = f"Notification de violation {content.get('breach', '')} — {notification.kind}"
    story: list[Any] = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(
            escape(
                f"Rédigée le {_when(notification.drafted_at)}"
                + (f" · envoyée le {_when(notification.sent_at)}" if notification.sent_at else "")
                + (
                    f" · référence CNIL {notification.cnil_reference}"
                    if notification.cnil_reference
                    else ""
                )
            ),
            styles["body"],
        ),
    ]
    for section in content.get("sections", []):
        story.append(Paragraph(escape(section["title"]), styles["h2"]))
        story.append(_table([(item["label"], item["value"]) for item in section["fields"]], styles))
    return _pdf(title, story)
