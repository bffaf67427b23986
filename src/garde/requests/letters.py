"""The response letter, in the request's language (French or English), as a printable page
and a PDF.

What a letter must say comes from the rules, not from the DPO's memory:

- an answer to an access request states what GDPR art. 15(1) requires, taken from the latest
  published register: purposes, categories of data, recipients (third countries flagged),
  retention, source, the other rights, automated decisions, the right to complain to the CNIL
  (R-10); an erasure answer lists what is kept under a legal obligation, and why (R-14);
- a refusal gives the reason and tells the requester they may complain to the CNIL and seek
  a judicial remedy (R-03);
- an extension gives the reason and the new date (R-02);
- a forwarded request names the organisation it went to (R-22).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from garde.register.formatting import localized
from garde.register.models import RegisterVersion
from garde.register.selectors import register_version_latest
from garde.requests.choices import RequestKind, Right, Status
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
from garde.requests.models import Attachment, Message, Request

ANSWER = "answer"
REFUSAL = "refusal"
EXTENSION = "extension"
FORWARDING = "forwarding"
LETTER_KINDS = (ANSWER, REFUSAL, EXTENSION, FORWARDING)

# Rights whose answer is an art. 15 answer.
ACCESS_RIGHTS = frozenset({Right.ACCESS, Right.CONSULTATION})

CNIL_COMPLAINT_URL = {
    "fr": "https://www.cnil.fr/fr/adresser-une-plainte",
    "en": "https://www.cnil.fr/en/complaints",
}
CNIL_ADDRESS = "CNIL, 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07"

RIGHT_LABELS = {
    "fr": {
        "access": "accès à vos données",
        "rectification": "rectification",
        "erasure": "effacement",
        "restriction": "limitation du traitement",
        "objection": "opposition",
        "portability": "portabilité",
        "consultation": "consultation de vos données",
    },
    "en": {
        "access": "access to your data",
        "rectification": "rectification",
        "erasure": "erasure",
        "restriction": "restriction of processing",
        "objection": "objection",
        "portability": "portability",
        "consultation": "consultation of your data",
    },
}

REFUSAL_LABELS = {
    "fr": {
        "manifestly_unfounded": "votre demande est manifestement infondée (art. 12.5 du RGPD)",
        "excessive": "votre demande est excessive, notamment par son caractère répétitif "
        "(art. 12.5 du RGPD)",
        "identity_not_established": "votre identité n'a pas pu être établie (art. 12.2 et "
        "12.6 du RGPD)",
        "no_data": "nous ne détenons aucune donnée vous concernant",
    },
    "en": {
        "manifestly_unfounded": "your request is manifestly unfounded (GDPR art. 12(5))",
        "excessive": "your request is excessive, in particular because it is repetitive "
        "(GDPR art. 12(5))",
        "identity_not_established": "your identity could not be established (GDPR art. 12(2) "
        "and 12(6))",
        "no_data": "we hold no data about you",
    },
}

SOURCES = {
    "fr": {
        "direct": "collectées auprès de vous",
        "observed": "observées lors de votre utilisation de nos services (traces, journaux, "
        "cookies)",
        "third_party": "transmises par un tiers (votre employeur ou notre client)",
    },
    "en": {
        "direct": "collected from you",
        "observed": "observed while you use our services (traces, logs, cookies)",
        "third_party": "passed on by a third party (your employer or our client)",
    },
}

T: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Réponse à votre demande",
        "title_refusal": "Réponse à votre demande",
        "title_extension": "Prolongation du délai de réponse",
        "title_forwarding": "Transmission de votre demande",
        "subject": "Objet : votre demande {ref}",
        "opening": "Madame, Monsieur,",
        "received": "Nous avons reçu le {received} votre demande ({rights}), enregistrée sous "
        "la référence {ref}.",
        "received_kind": "Nous avons reçu le {received} votre demande ({kind}), enregistrée "
        "sous la référence {ref}.",
        "place_date": "Le {date}",
        "dpo": "Délégué à la protection des données : {email}",
        "our_answer": "Notre réponse",
        "no_answer_yet": "(La réponse n'a pas encore été rédigée.)",
        "attached": "Documents joints",
        "confirmation": "Les traitements qui vous concernent",
        "confirmation_text": "Nous confirmons traiter des données vous concernant. Comme le "
        "prévoit l'article 15 du RGPD, voici, pour chaque traitement, les informations tirées "
        "de notre registre des traitements (version {version} du {published}).",
        "no_register": "Notre registre des traitements n'est pas encore publié : ces "
        "informations vous seront communiquées séparément.",
        "purposes": "Finalités",
        "legal_basis": "Base légale",
        "categories": "Catégories de données",
        "recipients": "Destinataires",
        "third_country": "pays tiers : {country}",
        "no_recipient": "aucun destinataire en dehors des équipes habilitées",
        "transfers": "Transferts hors de l'Union européenne",
        "no_transfer": "aucun transfert hors de l'Union européenne",
        "retention": "Durée de conservation",
        "source": "Source des données",
        "rights": "Vos droits",
        "rights_text": "Vous pouvez demander la rectification ou l'effacement de vos "
        "données, la limitation de leur traitement, vous opposer à leur traitement et, "
        "lorsque le traitement repose sur votre consentement ou sur un contrat, en obtenir la "
        "portabilité (art. 16 à 21 du RGPD). Vous pouvez retirer à tout moment un "
        "consentement donné.",
        "how": "Pour exercer ces droits, écrivez à notre délégué à la protection des "
        "données ({email}) ou utilisez l'onglet RGPD de notre portail client.",
        "how_portal": "Pour exercer ces droits, utilisez l'onglet RGPD de notre portail client "
        "ou écrivez-nous à l'adresse indiquée en tête de ce courrier.",
        "automated": "Décision automatisée",
        "automated_text": "Notre registre ne comporte aucune décision fondée exclusivement "
        "sur un traitement automatisé, y compris le profilage, produisant des effets "
        "juridiques vous concernant (art. 22 du RGPD).",
        "complaint": "Réclamation auprès de la CNIL",
        "complaint_text": "Vous avez le droit d'introduire une réclamation auprès de la CNIL "
        "(Commission nationale de l'informatique et des libertés) : {url}, ou par courrier : "
        "{address}.",
        "kept": "Données conservées au titre d'une obligation légale",
        "kept_text": "Les données suivantes ne peuvent pas être effacées tant que la loi nous "
        "impose de les conserver (art. 17.3.b du RGPD) ; elles seront supprimées à "
        "l'échéance indiquée.",
        "reason": "Motif",
        "refusal_text": "Nous ne pouvons pas donner suite à votre demande, pour le motif "
        "suivant : {reason}.",
        "remedies": "Vos voies de recours",
        "remedies_judicial": "Vous pouvez également former un recours juridictionnel "
        "(art. 79 du RGPD).",
        "extension_text": "Le délai de réponse, qui expirait le {due}, est prolongé jusqu'au "
        "{extended}, comme le permet l'article 12.3 du RGPD.",
        "extension_reason": "Motif de la prolongation",
        "forwarding_text": "Les données visées par votre demande sont traitées par {client}, "
        "qui en est responsable. Nous ne faisons que les héberger pour son compte (art. 28 "
        "du RGPD) et ne pouvons pas décider de la suite à donner.",
        "forwarding_to": "Nous avons transmis votre demande le {date} à {client}, à "
        "l'adresse {email}. C'est cet organisme qui vous répondra.",
        "closing": "Nous restons à votre disposition pour toute question.",
        "signature": "Le délégué à la protection des données",
        "footer": "{company} · {ref}",
        "missing": "{activity} : « {item} » est vide dans le registre publié.",
        "missing_register": "Aucun registre publié : la réponse d'accès est incomplète.",
    },
    "en": {
        "title": "Answer to your request",
        "title_refusal": "Answer to your request",
        "title_extension": "Extension of the time to answer",
        "title_forwarding": "Your request has been passed on",
        "subject": "Subject: your request {ref}",
        "opening": "Dear Sir or Madam,",
        "received": "On {received} we received your request ({rights}), recorded under "
        "reference {ref}.",
        "received_kind": "On {received} we received your request ({kind}), recorded under "
        "reference {ref}.",
        "place_date": "{date}",
        "dpo": "Data protection officer: {email}",
        "our_answer": "Our answer",
        "no_answer_yet": "(The answer has not been written yet.)",
        "attached": "Enclosed documents",
        "confirmation": "The processing that concerns you",
        "confirmation_text": "We confirm that we process data about you. As GDPR article 15 "
        "requires, here is, for each processing activity, the information from our register "
        "of processing (version {version} of {published}).",
        "no_register": "Our register of processing is not published yet: this information "
        "will be sent to you separately.",
        "purposes": "Purposes",
        "legal_basis": "Legal basis",
        "categories": "Categories of data",
        "recipients": "Recipients",
        "third_country": "third country: {country}",
        "no_recipient": "no recipient outside the authorised teams",
        "transfers": "Transfers outside the European Union",
        "no_transfer": "no transfer outside the European Union",
        "retention": "Retention period",
        "source": "Source of the data",
        "rights": "Your rights",
        "rights_text": "You may ask for your data to be rectified or erased, for its "
        "processing to be restricted, object to its processing and, where processing is based "
        "on your consent or on a contract, receive it in a portable form (GDPR art. 16 to 21). "
        "You may withdraw any consent you gave at any time.",
        "how": "To exercise these rights, write to our data protection officer ({email}) or "
        "use the GDPR tab of our client portal.",
        "how_portal": "To exercise these rights, use the GDPR tab of our client portal or "
        "write to us at the address at the top of this letter.",
        "automated": "Automated decisions",
        "automated_text": "Our register records no decision based solely on automated "
        "processing, including profiling, that produces legal effects concerning you (GDPR "
        "art. 22).",
        "complaint": "Complaint to the CNIL",
        "complaint_text": "You have the right to lodge a complaint with the CNIL (the French "
        "data protection authority): {url}, or by post: {address}.",
        "kept": "Data kept under a legal obligation",
        "kept_text": "The following data cannot be erased while the law requires us to keep "
        "it (GDPR art. 17(3)(b)); it will be deleted when the period ends.",
        "reason": "Reason",
        "refusal_text": "We cannot act on your request, for the following reason: {reason}.",
        "remedies": "Your remedies",
        "remedies_judicial": "You may also seek a judicial remedy (GDPR art. 79).",
        "extension_text": "The time to answer, which was to end on {due}, is extended to "
        "{extended}, as GDPR article 12(3) allows.",
        "extension_reason": "Reason for the extension",
        "forwarding_text": "The data your request is about is processed by {client}, which is "
        "the controller. We only host it on their behalf (GDPR art. 28) and cannot decide "
        "what to do with your request.",
        "forwarding_to": "On {date} we passed your request on to {client}, at {email}. That "
        "organisation will answer you.",
        "closing": "Please do not hesitate to contact us with any question.",
        "signature": "The data protection officer",
        "footer": "{company} · {ref}",
        "missing": "{activity}: \u201c{item}\u201d is empty in the published register.",
        "missing_register": "No published register: the access answer is incomplete.",
    },
}

KIND_LABELS = {
    "fr": {
        "rights": "exercice des droits",
        "assistance": "assistance RGPD",
        "pia": "informations pour une étude d'impact",
        "breach_report": "signalement de violation de données",
    },
    "en": {
        "rights": "exercise of rights",
        "assistance": "GDPR assistance",
        "pia": "information for an impact assessment",
        "breach_report": "personal data breach report",
    },
}


def letter_kinds_available(request: Request) -> list[str]:
    """The letters that make sense for the request as it stands."""
    kinds = [ANSWER]
    if request.extended_due_date:
        kinds.append(EXTENSION)
    if request.refusal_reason:
        kinds.append(REFUSAL)
    if request.forwarded_to_email:
        kinds.append(FORWARDING)
    return kinds


def letter_kind_default(request: Request) -> str:
    if request.status == Status.REFUSED or request.refusal_reason:
        return REFUSAL
    if request.status == Status.FORWARDED or request.forwarded_to_email:
        return FORWARDING
    if request.status == Status.EXTENDED:
        return EXTENSION
    return ANSWER


def _answer_message(request: Request) -> Message | None:
    """The last message the handlers sent to the requester."""
    return (
        request.messages.filter(from_requester=False, internal=False)
        .order_by("-created_at", "-id")
        .first()
    )


def _cnil_paragraph(t: dict[str, str], language: str) -> str:
    return t["complaint_text"].format(url=CNIL_COMPLAINT_URL[language], address=CNIL_ADDRESS)


def access_sections(
    request: Request,
    version: RegisterVersion | None,
    language: str,
    t: dict[str, str],
    activity_slugs: Iterable[str] | None,
    dpo_email: str,
) -> tuple[list[Section], list[str]]:
    """R-10: art. 15(1)(a)-(h) from the published register; returns the sections and what is
    missing for the DPO."""
    if version is None:
        return [Section(heading=t["confirmation"], paragraphs=(t["no_register"],))], [
            t["missing_register"]
        ]
    activities = activities_for_services(
        version.snapshot, request.services, role="controller", slugs=activity_slugs
    )
    how = t["how"].format(email=dpo_email) if dpo_email else t["how_portal"]
    missing: list[str] = []
    subsections = []
    for activity in activities:
        name = str(localized(activity, "name", language))
        purposes = localized(activity, "purposes", language) or []
        categories = names(activity["data_categories"], language)
        recipients = [
            str(localized(r, "name", language))
            + (
                f" ({t['third_country'].format(country=r['country'])})"
                if r.get("country") and r["country"] not in EEA
                else ""
            )
            for r in activity["recipients"]
        ]
        retention = [retention_text(rule, language) for rule in activity["retention_rules"]]
        sources = [SOURCES[language].get(s, s) for s in activity["sources"]]
        transfers = localized(activity, "transfers_outside_eu", language) or t["no_transfer"]
        for label, value in (
            (t["purposes"], purposes),
            (t["categories"], categories),
            (t["retention"], retention),
            (t["source"], sources),
        ):
            if not value:
                missing.append(t["missing"].format(activity=name, item=label))
        subsections.append(
            Section(
                heading=name,
                facts=(
                    (t["purposes"], "; ".join(purposes)),
                    (t["categories"], "; ".join(categories)),
                    (t["recipients"], "; ".join(recipients) or t["no_recipient"]),
                    (t["transfers"], transfers),
                    (t["retention"], "; ".join(retention)),
                    (t["source"], "; ".join(sources)),
                ),
            )
        )
    confirmation = Section(
        heading=t["confirmation"],
        paragraphs=(
            t["confirmation_text"].format(
                version=version.number, published=date_text(version.published_at, language)
            ),
        ),
        subsections=tuple(subsections),
    )
    return [
        confirmation,
        Section(heading=t["rights"], paragraphs=(t["rights_text"], how)),
        Section(heading=t["automated"], paragraphs=(t["automated_text"],)),
        Section(heading=t["complaint"], paragraphs=(_cnil_paragraph(t, language),)),
    ], missing


def _kept_section(
    version: RegisterVersion | None, language: str, t: dict[str, str]
) -> Section | None:
    """R-14: what an erasure leaves in place because the law requires it, and until when."""
    if version is None:
        return None
    kept = [
        retention_text(rule, language)
        + (f" ({rule['legal_reference']})" if rule.get("legal_reference") else "")
        for activity in version.snapshot.get("activities", [])
        if activity["role"] == "controller" and activity["legal_basis"] == "legal_obligation"
        for rule in activity["retention_rules"]
    ]
    if not kept:
        return None
    return Section(heading=t["kept"], paragraphs=(t["kept_text"],), items=tuple(kept))


def letter_build(
    *,
    request: Request,
    kind: str | None = None,
    activity_slugs: Iterable[str] | None = None,
    version: RegisterVersion | None = None,
) -> Document:
    """The letter of ``kind`` (default: the one the request's state calls for) in the
    request's language, from ``version`` of the register (default: the latest published)."""
    language = request.language if request.language in T else "fr"
    t = T[language]
    kind = kind if kind in LETTER_KINDS else letter_kind_default(request)
    version = version or register_version_latest()
    operator: dict[str, Any] = version.snapshot.get("operator", {}) if version else {}
    company = operator.get("company_name") or settings.GARDE_OPERATOR_NAME
    dpo_email = operator.get("dpo_email", "")
    dpo_line = t["dpo"].format(email=dpo_email) if dpo_email else company
    sender = tuple(
        line
        for line in (
            company,
            *(operator.get("address") or "").splitlines(),
            dpo_line if dpo_email else "",
        )
        if line
    )
    rights = ", ".join(RIGHT_LABELS[language].get(r, r) for r in request.rights)
    received = date_text(request.received_at, language)
    if request.kind == RequestKind.RIGHTS and rights:
        intro = t["received"].format(received=received, rights=rights, ref=request.reference)
    else:
        intro = t["received_kind"].format(
            received=received,
            ref=request.reference,
            kind=KIND_LABELS[language].get(request.kind, ""),
        )
    sections: list[Section] = []
    warnings: list[str] = []
    title = t["title"]

    if kind == REFUSAL:
        reason = REFUSAL_LABELS[language].get(request.refusal_reason, request.refusal_reason)
        sections.append(
            Section(
                heading=t["reason"],
                paragraphs=tuple(
                    p
                    for p in (t["refusal_text"].format(reason=reason), request.refusal_detail)
                    if p
                ),
            )
        )
        sections.append(
            Section(
                heading=t["remedies"],
                paragraphs=(_cnil_paragraph(t, language), t["remedies_judicial"]),
            )
        )
        title = t["title_refusal"]
    elif kind == EXTENSION:
        sections.append(
            Section(
                heading=t["extension_reason"],
                paragraphs=(
                    t["extension_text"].format(
                        due=date_text(request.due_date, language),
                        extended=date_text(request.extended_due_date, language),
                    ),
                    request.extension_reason,
                ),
            )
        )
        title = t["title_extension"]
    elif kind == FORWARDING:
        client = request.client_organisation
        client_name = client.name if client else request.client_name_given
        sections.append(
            Section(
                heading=t["title_forwarding"],
                paragraphs=(
                    t["forwarding_text"].format(client=client_name),
                    t["forwarding_to"].format(
                        date=date_text(request.forwarded_at, language),
                        client=client_name,
                        email=request.forwarded_to_email,
                    ),
                ),
            )
        )
        title = t["title_forwarding"]
    else:
        message = _answer_message(request)
        body = message.body if message else t["no_answer_yet"]
        sections.append(
            Section(
                heading=t["our_answer"],
                paragraphs=tuple(p for p in body.split("\n\n") if p.strip()),
            )
        )
        files = list(
            Attachment.objects.filter(request=request, from_requester=False)
            .order_by("created_at", "id")
            .values_list("original_name", flat=True)
        )
        if files:
            sections.append(Section(heading=t["attached"], items=tuple(files)))
        if request.kind == RequestKind.RIGHTS and ACCESS_RIGHTS & set(request.rights):
            access, missing = access_sections(
                request, version, language, t, activity_slugs, dpo_email
            )
            sections += access
            warnings += missing
        if request.kind == RequestKind.RIGHTS and Right.ERASURE in request.rights:
            kept = _kept_section(version, language, t)
            if kept is not None:
                sections.append(kept)

    return Document(
        language=language,
        title=title,
        reference=request.reference,
        sender=sender,
        recipient=(request.requester_name, request.requester_email),
        place_date=t["place_date"].format(date=date_text(timezone.now(), language)),
        subject=t["subject"].format(ref=request.reference),
        opening=t["opening"],
        intro=(intro,),
        sections=tuple(sections),
        closing=(t["closing"],),
        signature=(t["signature"], company),
        footer=t["footer"].format(company=company, ref=request.reference),
        warnings=tuple(warnings),
    )


def letter_html(letter: Document, *, back_url: str = "") -> str:
    return document_html(letter, back_url=back_url)


def letter_pdf(letter: Document) -> bytes:
    return document_pdf(letter)


def letter_filename(request: Request, kind: str) -> str:
    return f"{request.reference}-{kind}.pdf"
