"""The public privacy notice as data, built from a published register version.

The notice is legal text frozen with each version, in French and English. Its wording (section
prose in ``templates/register/notice_body_<language>.html``, and the phrases built here:
retention periods, legal bases, field labels) lives with the notice rather than in the UI
translation catalogue, so that republishing the same register always reads the same, and the
English notice is complete without waiting for a catalogue refresh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from garde.register.choices import NoticeSection, ProcessingRole
from garde.register.models import RegisterVersion

LANGUAGES = ("fr", "en")

_NUMBERS = {
    "fr": {1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept",
           8: "huit", 9: "neuf", 10: "dix", 12: "douze", 13: "treize", 18: "dix-huit",
           24: "vingt-quatre", 25: "vingt-cinq", 36: "trente-six"},
    "en": {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
           8: "eight", 9: "nine", 10: "ten", 12: "twelve", 13: "thirteen", 18: "eighteen",
           24: "twenty-four", 25: "twenty-five", 36: "thirty-six"},
}  # fmt: skip

_UNITS = {
    "fr": {"years": ("an", "ans"), "months": ("mois", "mois"), "days": ("jour", "jours")},
    "en": {"years": ("year", "years"), "months": ("month", "months"), "days": ("day", "days")},
}

# How a period runs from its anchor event ("un an à compter de la collecte") ...
_FROM = {
    "fr": {
        "collection": "à compter de la collecte",
        "last_contact": "à compter du dernier contact",
        "end_of_contract": "après la fin du contrat",
        "unsubscription": "après votre désinscription",
        "connection": "à compter de la réalisation de la connexion",
        "request_closure": "après la clôture de la demande",
        "process_end": "après la fin du processus de recrutement",
        "account_closure": "après la fermeture du compte",
        "event": "à compter de l'événement enregistré",
        "consent": "à compter du recueil de votre choix",
    },
    "en": {
        "collection": "from collection",
        "last_contact": "from the last contact",
        "end_of_contract": "after the end of the contract",
        "unsubscription": "after you unsubscribe",
        "connection": "from the day of the connection",
        "request_closure": "after the request is closed",
        "process_end": "after the end of the recruitment process",
        "account_closure": "after the account is closed",
        "event": "from the recorded event",
        "consent": "from when you made your choice",
    },
}
# ... and how a rule without a period says it ("jusqu'à votre désinscription").
_UNTIL = {
    "fr": {
        "collection": "jusqu'à la collecte",
        "last_contact": "jusqu'au dernier contact",
        "end_of_contract": "jusqu'à la fin du contrat",
        "unsubscription": "jusqu'à votre désinscription",
        "connection": "jusqu'à la connexion",
        "request_closure": "jusqu'à la clôture de la demande",
        "process_end": "jusqu'à la fin du processus de recrutement",
        "account_closure": "jusqu'à la fermeture du compte",
        "event": "jusqu'à l'événement enregistré",
        "consent": "jusqu'au recueil de votre choix",
    },
    "en": {
        "collection": "until collection",
        "last_contact": "until the last contact",
        "end_of_contract": "until the end of the contract",
        "unsubscription": "until you unsubscribe",
        "connection": "until the connection",
        "request_closure": "until the request is closed",
        "process_end": "until the end of the recruitment process",
        "account_closure": "until the account is closed",
        "event": "until the recorded event",
        "consent": "until you make your choice",
    },
}

_LEGAL_BASES = {
    "fr": {
        "consent": "Votre consentement",
        "contract": "L'exécution d'un contrat ou de mesures précontractuelles",
        "legal_obligation": "Une obligation légale",
        "vital_interest": "La sauvegarde d'intérêts vitaux",
        "public_task": "Une mission d'intérêt public",
        "legitimate_interest": "Notre intérêt légitime",
        "controller_instructions": "Les instructions documentées de nos clients",
    },
    "en": {
        "consent": "Your consent",
        "contract": "Performance of a contract or pre-contractual steps",
        "legal_obligation": "A legal obligation",
        "vital_interest": "Protection of vital interests",
        "public_task": "A task in the public interest",
        "legitimate_interest": "Our legitimate interest",
        "controller_instructions": "Our clients' documented instructions",
    },
}

# Keyed by RecipientKind, in the order of the policy's list of recipients.
_RECIPIENT_KINDS = {
    "fr": {
        "group_company": "Sociétés du groupe",
        "staff": "Personnel habilité",
        "subprocessor": "Sous-traitants",
        "partner": "Partenaires",
        "legitimate_interest": "Au titre de nos intérêts légitimes",
        "authority": "Autorités",
    },
    "en": {
        "group_company": "Group companies",
        "staff": "Authorised staff",
        "subprocessor": "Subprocessors",
        "partner": "Partners",
        "legitimate_interest": "Under our legitimate interests",
        "authority": "Authorities",
    },
}

LABELS = {
    "fr": {
        "purposes": "Finalités",
        "legal_basis": "Base légale",
        "subjects": "Personnes concernées",
        "data": "Données traitées",
        "recipients": "Destinataires",
        "no_recipient": "Aucun destinataire extérieur au service responsable",
        "team": "Service responsable",
        "locations": "Lieu de conservation",
        "retention": "Durée de conservation",
        "security": "Sécurité",
        "transfers": "Transferts hors de l'Union européenne",
        "no_transfer": "Aucun",
    },
    "en": {
        "purposes": "Purposes",
        "legal_basis": "Legal basis",
        "subjects": "People concerned",
        "data": "Data processed",
        "recipients": "Recipients",
        "no_recipient": "No recipient outside the department responsible",
        "team": "Department responsible",
        "locations": "Where it is kept",
        "retention": "How long it is kept",
        "security": "Security",
        "transfers": "Transfers outside the European Union",
        "no_transfer": "None",
    },
}

# The notice pages' own wording: title, archive, and the page shown before any publication.
PAGE_TEXT = {
    "fr": {
        "title": "Politique générale {company_of} en matière de protection des données à "
        "caractère personnel",
        "fallback_title": "Protection des données personnelles",
        "no_version": "Aucune version de notre politique de protection des données n'a encore "
        "été publiée. Elle sera affichée ici dès la première publication de notre registre "
        "des traitements.",
        "versions_title": "Versions publiées de la politique de protection des données",
        "versions_intro": "Chaque publication du registre des traitements produit une nouvelle "
        "version de la politique. Les versions antérieures restent consultables.",
        "version_item": "Version n° {number} du {date}",
        "current": "en vigueur",
        "no_versions": "Aucune version n'a encore été publiée.",
        "read_current": "Lire la version en vigueur",
    },
    "en": {
        "title": "{company}'s general policy on the protection of personal data",
        "fallback_title": "Personal data protection",
        "no_version": "No version of our data protection policy has been published yet. It "
        "will be shown here as soon as our register of processing is first published.",
        "versions_title": "Published versions of the data protection policy",
        "versions_intro": "Each publication of the register of processing produces a new "
        "version of the policy. Earlier versions remain available.",
        "version_item": "Version {number} of {date}",
        "current": "in force",
        "no_versions": "No version has been published yet.",
        "read_current": "Read the version in force",
    },
}


@dataclass(frozen=True)
class VersionEntry:
    """One line of the archive of published versions."""

    number: int
    label: str
    is_current: bool


def notice_language(language: str | None) -> str:
    """The notice language for a Django language code: English for "en*", else French."""
    return "en" if (language or "").startswith("en") else "fr"


def version_entries(versions: list[RegisterVersion], language: str) -> list[VersionEntry]:
    """The archive lines of ``versions`` (newest first; the first one is in force)."""
    return [
        VersionEntry(
            number=v.number,
            label=PAGE_TEXT[language]["version_item"].format(number=v.number, date=version_date(v)),
            is_current=index == 0,
        )
        for index, v in enumerate(versions)
    ]


@dataclass(frozen=True)
class NoticeRetention:
    """One retention rule as the notice states it: what it covers and for how long."""

    label: str
    period: str
    line: str


@dataclass(frozen=True)
class NoticeMeasure:
    name: str
    description: str


@dataclass(frozen=True)
class NoticeActivity:
    """One processing activity in the notice's language."""

    slug: str
    name: str
    description: str
    purposes: list[str]
    legal_basis: str
    legal_basis_detail: str
    data_subjects: str
    data_categories: str
    recipients: list[str]
    storage_locations: list[str]
    retention: list[NoticeRetention]
    security_measures: list[NoticeMeasure]
    transfers: str
    team: str


@dataclass(frozen=True)
class RecipientGroup:
    label: str
    names: list[str]


@dataclass(frozen=True)
class NoticeOperator:
    company_name: str
    company_of: str
    group_name: str
    contact_name: str
    address_lines: list[str]
    dpo_email: str
    portal_url: str
    careers_url: str
    careers_host: str


@dataclass(frozen=True)
class Notice:
    """Everything the notice templates show for one published version in one language."""

    language: str
    title: str
    number: int
    version_date: str
    operator: NoticeOperator
    sections: dict[str, list[NoticeActivity]]
    data_subjects: str
    data_categories: str
    recipient_groups: list[RecipientGroup]
    security_measures: list[NoticeMeasure]
    labels: dict[str, str]


def retention_period(rule: dict[str, Any], language: str) -> str:
    """A rule's period in words: "un an à compter de la collecte", "until you unsubscribe"."""
    anchor: str = rule["anchor"]
    count: int | None = rule["count"]
    if count is None:
        return _UNTIL[language].get(anchor, anchor)
    singular, plural = _UNITS[language].get(rule["unit"], (rule["unit"], rule["unit"]))
    number = _NUMBERS[language].get(count, str(count))
    return f"{number} {singular if count == 1 else plural} {_FROM[language].get(anchor, anchor)}"


def _text(row: dict[str, Any], name: str, language: str) -> Any:
    """The field in ``language``, falling back to French (the register's first language)."""
    if language == "en":
        value = row.get(f"{name}_en")
        if value:
            return value
    return row.get(f"{name}_fr")


def _in_sentence(name: str, language: str) -> str:
    """A vocabulary name as it reads inside a sentence. French names are in sentence case, so
    only their first word is lowered; fideslang's English names are in Title Case ("User
    Contact Email"), so every word is. Acronyms ("CV", "IP") keep their capitals."""
    words = name.split(" ")
    lowered = len(words) if language == "en" else 1
    return " ".join(
        word.lower() if index < lowered and sum(c.isupper() for c in word) < 2 else word
        for index, word in enumerate(words)
    )


def _inline_list(names: list[str], language: str) -> str:
    """Names joined in one sentence: "Adresse e-mail, numéro de téléphone, adresse IP"."""
    text = ", ".join(_in_sentence(name, language) for name in names)
    return text[:1].upper() + text[1:]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _retention(rule: dict[str, Any], language: str) -> NoticeRetention:
    label = _text(rule, "description", language)
    period = retention_period(rule, language)
    colon = " : " if language == "fr" else ": "
    return NoticeRetention(label=label, period=period, line=f"{label}{colon}{period}")


def _activity(row: dict[str, Any], language: str) -> NoticeActivity:
    return NoticeActivity(
        slug=row["slug"],
        name=_text(row, "name", language),
        description=_text(row, "description", language),
        purposes=_text(row, "purposes", language) or [],
        legal_basis=_LEGAL_BASES[language].get(row["legal_basis"], row["legal_basis"]),
        legal_basis_detail=_text(row, "legal_basis_detail", language),
        data_subjects=_inline_list(
            [_text(s, "name", language) for s in row["data_subjects"]], language
        ),
        data_categories=_inline_list(
            [_text(c, "name", language) for c in row["data_categories"]], language
        ),
        recipients=[_text(r, "name", language) for r in row["recipients"]],
        storage_locations=[_text(s, "name", language) for s in row["storage_locations"]],
        retention=[_retention(rule, language) for rule in row["retention_rules"]],
        security_measures=[
            NoticeMeasure(
                name=_text(m, "name", language), description=_text(m, "description", language)
            )
            for m in row["security_measures"]
        ],
        transfers=_text(row, "transfers_outside_eu", language),
        team=_text(row, "team", language),
    )


def french_of(name: str) -> str:
    """French "de" with elision: "d'inherent", "de Garde"."""
    return f"d'{name}" if name[:1].lower() in "aeiouyhéèêàâîôû" else f"de {name}"


def address_lines(address: str) -> list[str]:
    """The address one part per line, as the policy prints it; it may be stored on one line
    with commas or on several lines."""
    return [part for part in re.split(r"\s*(?:\n|,\s)\s*", address) if part]


def _operator(operator: dict[str, Any]) -> NoticeOperator:
    careers_url = operator.get("careers_url", "")
    return NoticeOperator(
        company_name=operator.get("company_name", ""),
        company_of=french_of(operator.get("company_name", "")),
        group_name=operator.get("group_name", ""),
        contact_name=operator.get("group_name") or operator.get("company_name", ""),
        address_lines=address_lines(operator.get("address", "")),
        dpo_email=operator.get("dpo_email", ""),
        portal_url=operator.get("portal_url", ""),
        careers_url=careers_url,
        careers_host=urlsplit(careers_url).netloc or careers_url,
    )


def version_date(version: RegisterVersion) -> str:
    """The publication date as the notice heads it: dd/mm/yyyy, in the operator's time zone."""
    return timezone.localtime(version.published_at).strftime("%d/%m/%Y")


def notice_build(version: RegisterVersion, language: str) -> Notice:
    """The notice of ``version`` in ``language`` ("fr" or "en"), from its snapshot only."""
    if language not in LANGUAGES:
        language = "fr"
    snapshot: dict[str, Any] = version.snapshot
    operator = _operator(snapshot.get("operator", {}))
    rows = snapshot["activities"]
    sections: dict[str, list[NoticeActivity]] = {s.value: [] for s in NoticeSection}
    for row in rows:
        section = row["notice_section"]
        if row["role"] == ProcessingRole.PROCESSOR or section not in sections:
            section = NoticeSection.CLIENT_SERVICES.value
        sections[section].append(_activity(row, language))
    controller_rows = [r for r in rows if r["role"] == ProcessingRole.CONTROLLER]
    kinds = _RECIPIENT_KINDS[language]
    recipients: dict[str, list[str]] = {kind: [] for kind in kinds}
    for row in rows:
        for recipient in row["recipients"]:
            recipients.setdefault(recipient["kind"], []).append(_text(recipient, "name", language))
    measures = {
        _text(m, "name", language): _text(m, "description", language)
        for row in rows
        for m in row["security_measures"]
    }
    return Notice(
        language=language,
        title=PAGE_TEXT[language]["title"].format(
            company=operator.company_name, company_of=operator.company_of
        ),
        number=version.number,
        version_date=version_date(version),
        operator=operator,
        sections=sections,
        data_subjects=_inline_list(
            _unique(
                [_text(s, "name", language) for r in controller_rows for s in r["data_subjects"]]
            ),
            language,
        ),
        data_categories=_inline_list(
            _unique(
                [_text(c, "name", language) for r in controller_rows for c in r["data_categories"]]
            ),
            language,
        ),
        recipient_groups=[
            RecipientGroup(label=kinds.get(kind, kind), names=_unique(names))
            for kind, names in recipients.items()
            if names
        ],
        security_measures=[NoticeMeasure(name=n, description=d) for n, d in measures.items()],
        labels=LABELS[language],
    )
