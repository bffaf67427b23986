"""The downloadable rights-request form the policy links to ("Téléchargez, remplissez et
retournez le formulaire"): a one- or two-page PDF with fillable AcroForm fields, in French or
English, naming the operator and its DPO as the latest published register states them.

Field names are stable (staff and scripts read filled-in forms by them): see ``FIELD_NAMES``.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from garde.register.models import RegisterVersion
from garde.register.notice_content import address_lines, french_of, version_date

RIGHTS = (
    "right_access",
    "right_rectification",
    "right_erasure",
    "right_restriction",
    "right_portability",
    "right_objection",
)
# The values of requests.choices.RequesterRelation, so a filled-in form maps onto a request.
SITUATIONS = ("client_user", "client_data_subject", "operator_data")
FIELD_NAMES = (
    "last_name",
    "first_name",
    "email",
    "phone",
    "postal_address",
    "relationship",
    "client_organisation",
    *RIGHTS,
    "service_concerned",
    "request",
    "date",
    "signature",
)

_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Formulaire de demande d'exercice des droits d'une personne concernée par un "
        "traitement de Données à caractère personnel {of_company} ou d'un client {of_company}",
        "intro": "Remplissez ce formulaire, signez-le et retournez-le par courrier à l'adresse "
        "indiquée en bas de page, ou par e-mail à notre délégué à la protection des données "
        "({dpo}). Si vous avez un compte sur notre portail client, vous pouvez aussi faire "
        "votre demande dans son onglet RGPD.",
        "identity": "1. Votre identité",
        "last_name": "Nom",
        "first_name": "Prénom",
        "contact": "2. Vos coordonnées",
        "email": "Adresse e-mail",
        "phone": "Téléphone",
        "postal_address": "Adresse postale",
        "situation": "3. Votre situation",
        "client_user": "J'utilise un service fourni par {company} à mon organisation",
        "client_data_subject": "Je suis client, utilisateur ou personne concernée par les "
        "services d'un organisme client {of_company}",
        "operator_data": "Autre situation (prospect, abonné, candidat, visiteur de nos sites "
        "web, contact client...)",
        "client_organisation": "Organisme client concerné, le cas échéant",
        "situation_note": "Les demandes portant sur les données d'un client {of_company} sont "
        "transmises à ce client, qui en décide.",
        "rights": "4. Le droit que vous exercez",
        "right_access": "Accès à vos données (art. 15)",
        "right_rectification": "Rectification (art. 16)",
        "right_erasure": "Effacement (art. 17)",
        "right_restriction": "Limitation du traitement (art. 18)",
        "right_portability": "Portabilité (art. 20)",
        "right_objection": "Opposition (art. 21)",
        "service": "5. Le service concerné",
        "service_concerned": "Service, produit ou site web",
        "request_title": "6. Votre demande",
        "request": "Décrivez votre demande",
        "date": "Date",
        "signature": "Signature",
        "return": "Adresse de retour",
        "dpo": "Délégué à la protection des données : {dpo}",
        "delay": "Nous répondons dans un délai d'un mois à compter de la réception de votre "
        "demande, prolongeable de deux mois pour les demandes complexes : vous en êtes alors "
        "informé. Un justificatif d'identité ne vous est demandé qu'en cas de doute raisonnable "
        "sur votre identité. Vous pouvez aussi introduire une réclamation auprès de la CNIL "
        "(www.cnil.fr).",
        "version": "Formulaire établi d'après le registre des traitements publié le {date} "
        "(version {number}).",
    },
    "en": {
        "title": "Request form for exercising the rights of a person concerned by a processing "
        "of personal data by {company} or by a client of {company}",
        "intro": "Fill in this form, sign it and send it back by post to the address at the "
        "bottom of the page, or by e-mail to our data protection officer ({dpo}). If you have "
        "an account on our client portal, you can also make your request in its GDPR tab.",
        "identity": "1. Your identity",
        "last_name": "Last name",
        "first_name": "First name",
        "contact": "2. How to reach you",
        "email": "E-mail address",
        "phone": "Phone",
        "postal_address": "Postal address",
        "situation": "3. Your situation",
        "client_user": "I use a service that {company} provides to my organisation",
        "client_data_subject": "I am a customer, user or person concerned by the services of "
        "an organisation that is a client of {company}",
        "operator_data": "Other (prospect, subscriber, job applicant, visitor of our "
        "websites, client contact...)",
        "client_organisation": "Client organisation concerned, if any",
        "situation_note": "Requests about the data of a client of {company} are passed on to "
        "that client, who decides on them.",
        "rights": "4. The right you are exercising",
        "right_access": "Access to your data (art. 15)",
        "right_rectification": "Rectification (art. 16)",
        "right_erasure": "Erasure (art. 17)",
        "right_restriction": "Restriction of processing (art. 18)",
        "right_portability": "Portability (art. 20)",
        "right_objection": "Objection (art. 21)",
        "service": "5. The service concerned",
        "service_concerned": "Service, product or website",
        "request_title": "6. Your request",
        "request": "Describe your request",
        "date": "Date",
        "signature": "Signature",
        "return": "Return address",
        "dpo": "Data protection officer: {dpo}",
        "delay": "We answer within one month of receiving your request; for complex requests "
        "this may be extended by two months, in which case we tell you. We ask for proof of "
        "identity only if we have reasonable doubts about who you are. You may also lodge a "
        "complaint with the CNIL (www.cnil.fr).",
        "version": "Form based on the register of processing published on {date} "
        "(version {number}).",
    },
}

_MARGIN = 48.0
_FIELD_HEIGHT = 18.0
_INK = Color(0.106, 0.106, 0.122)
_FIELD_BORDER = Color(0.46, 0.46, 0.5)
_FIELD_FILL = Color(0.95, 0.96, 0.98)


class _Page:
    """A top-down writing cursor over a ReportLab canvas, starting a new page when needed."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.width, self.height = A4
        self.y = self.height - _MARGIN
        self.text_width = self.width - 2 * _MARGIN

    def need(self, height: float) -> None:
        if self.y - height < _MARGIN:
            self.canvas.showPage()
            self.y = self.height - _MARGIN

    def paragraph(self, text: str, *, font: str = "Helvetica", size: float = 9.5) -> None:
        lines = simpleSplit(text, font, size, self.text_width)
        leading = size * 1.3
        self.need(leading * len(lines))
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(_INK)
        for line in lines:
            self.y -= leading
            self.canvas.drawString(_MARGIN, self.y, line)

    def heading(self, text: str) -> None:
        self.need(40)
        self.y -= 8
        self.paragraph(text, font="Helvetica-Bold", size=11)
        self.y -= 2

    def _label(self, text: str, x: float) -> None:
        self.canvas.setFont("Helvetica", 8.5)
        self.canvas.setFillColor(_INK)
        self.canvas.drawString(x, self.y - 10, text)

    def text_fields(
        self,
        fields: list[tuple[str, str]],
        *,
        height: float = _FIELD_HEIGHT,
        multiline: bool = False,
    ) -> None:
        """Labelled text fields side by side on one row."""
        self.need(height + 18)
        gap = 12.0
        width = (self.text_width - gap * (len(fields) - 1)) / len(fields)
        for index, (name, label) in enumerate(fields):
            x = _MARGIN + index * (width + gap)
            self._label(label, x)
            self.canvas.acroForm.textfield(
                name=name,
                tooltip=label,
                x=x,
                y=self.y - 14 - height,
                width=width,
                height=height,
                fontName="Helvetica",
                fontSize=10,
                borderWidth=1,
                borderColor=_FIELD_BORDER,
                fillColor=_FIELD_FILL,
                textColor=black,
                fieldFlags="multiline" if multiline else "",
                maxlen=4000 if multiline else 200,
            )
        self.y -= height + 18

    def checkboxes(self, options: list[tuple[str, str]]) -> None:
        """Checkboxes in two columns, each with its label."""
        column_width = self.text_width / 2
        for row_start in range(0, len(options), 2):
            self.need(20)
            self.y -= 18
            for column, (name, label) in enumerate(options[row_start : row_start + 2]):
                x = _MARGIN + column * column_width
                self.canvas.acroForm.checkbox(
                    name=name,
                    tooltip=label,
                    x=x,
                    y=self.y - 3,
                    size=13,
                    buttonStyle="cross",
                    borderWidth=1,
                    borderColor=_FIELD_BORDER,
                    fillColor=white,
                    textColor=black,
                    fieldFlags="",
                )
                self.canvas.setFont("Helvetica", 9.5)
                self.canvas.setFillColor(_INK)
                self.canvas.drawString(x + 19, self.y, label)

    def radios(self, name: str, options: list[tuple[str, str]]) -> None:
        """One radio group: exactly one option can be chosen."""
        for value, label in options:
            lines = simpleSplit(label, "Helvetica", 9.5, self.text_width - 19)
            self.need(18 + 12 * (len(lines) - 1))
            self.y -= 18
            self.canvas.acroForm.radio(
                name=name,
                value=value,
                tooltip=label,
                x=_MARGIN,
                y=self.y - 3,
                size=13,
                buttonStyle="circle",
                borderWidth=1,
                borderColor=_FIELD_BORDER,
                fillColor=white,
                textColor=black,
                fieldFlags="noToggleToOff radio",
            )
            self.canvas.setFont("Helvetica", 9.5)
            self.canvas.setFillColor(_INK)
            for index, line in enumerate(lines):
                self.canvas.drawString(_MARGIN + 19, self.y - 12 * index, line)
            self.y -= 12 * (len(lines) - 1)


def rights_form_pdf(
    *, operator: dict[str, Any], language: str, version: RegisterVersion | None
) -> bytes:
    """The fillable form in ``language`` ("fr" or "en"), naming ``operator`` (a snapshot's
    operator block) and, when given, the register version it was made from."""
    text = _TEXT["en" if language == "en" else "fr"]
    company = operator.get("company_name") or "inherent"
    dpo = operator.get("dpo_email") or ""
    values = {"company": company, "of_company": french_of(company), "dpo": dpo}

    def t(key: str) -> str:
        return text[key].format(**values)

    buffer = io.BytesIO()
    # invariant: no creation date or random id, so the same register gives the same bytes.
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(t("title"))
    canvas.setAuthor(company)
    canvas.setSubject(t("title"))
    page = _Page(canvas)

    page.paragraph(t("title"), font="Helvetica-Bold", size=13)
    page.y -= 6
    page.paragraph(t("intro"))

    page.heading(t("identity"))
    page.text_fields([("last_name", t("last_name")), ("first_name", t("first_name"))])
    page.heading(t("contact"))
    page.text_fields([("email", t("email")), ("phone", t("phone"))])
    page.text_fields([("postal_address", t("postal_address"))], height=36, multiline=True)

    page.heading(t("situation"))
    page.radios("relationship", [(value, t(value)) for value in SITUATIONS])
    page.y -= 6
    page.text_fields([("client_organisation", t("client_organisation"))])
    page.paragraph(t("situation_note"), size=8.5)

    page.heading(t("rights"))
    page.checkboxes([(name, t(name)) for name in RIGHTS])

    page.heading(t("service"))
    page.text_fields([("service_concerned", t("service_concerned"))])

    page.heading(t("request_title"))
    page.text_fields([("request", t("request"))], height=130, multiline=True)
    page.text_fields([("date", t("date")), ("signature", t("signature"))], height=36)

    page.y -= 6
    page.paragraph(t("return"), font="Helvetica-Bold", size=9.5)
    group = operator.get("group_name") or company
    address = [group.upper(), *address_lines(operator.get("address") or "")]
    for line in address:
        page.paragraph(line)
    if dpo:
        page.paragraph(t("dpo"))
    page.y -= 4
    page.paragraph(t("delay"), size=8.5)
    if version is not None:
        page.paragraph(
            text["version"].format(date=version_date(version), number=version.number), size=8.5
        )
    canvas.save()
    return buffer.getvalue()
