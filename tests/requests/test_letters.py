"""The response letter: what it must say for an access answer (R-10, from the published
register), an erasure answer (R-14), a refusal (R-03), an extension (R-02) and a forwarded
request (R-22), in the request's language, as a page and as a PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from garde.accounts.models import Organisation, User
from garde.core.deadlines import PARIS
from garde.register.defaults import register_load_default
from garde.register.models import RegisterVersion
from garde.requests import services
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right
from garde.requests.documents import Section
from garde.requests.letters import (
    ANSWER,
    EXTENSION,
    FORWARDING,
    REFUSAL,
    letter_build,
    letter_kinds_available,
    letter_pdf,
)
from garde.requests.models import Request
from tests.conftest import log_in

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2026, 3, 15, 10, 30, tzinfo=PARIS)
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)


def at(value: datetime) -> Any:
    return time_machine.travel(value, tick=False)


@pytest.fixture
def published(db: None) -> RegisterVersion:
    """The default register, published as version 1 on 15 March 2026."""
    with at(PUBLISHED):
        return register_load_default()


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo")


def enter(dpo: User, **overrides: Any) -> Request:
    fields: dict[str, Any] = {
        "kind": RequestKind.RIGHTS,
        "channel": Channel.POST,
        "requester_name": "Alice Bernard",
        "requester_email": "alice@example.org",
        "requester_relation": RequesterRelation.OPERATOR_DATA,
        "description": "Copie de mes données",
        "rights": [Right.ACCESS],
        "services": "journaux de connexions",
        "received_at": RECEIVED,
        "entered_by": dpo,
    }
    fields.update(overrides)
    with at(datetime(2026, 3, 20, 9, tzinfo=PARIS)):
        request, _token = services.request_submit(**fields)
    return request


def section(letter: Any, heading: str) -> Section:
    return next(s for s in letter.sections if s.heading == heading)


# --- the access answer ------------------------------------------------------------------


def test_r10_an_access_answer_states_article_15_from_the_published_register(
    published: RegisterVersion, dpo: User
) -> None:
    # given
    request = enter(dpo)
    with at(datetime(2026, 3, 25, 9, tzinfo=PARIS)):
        services.request_answer(
            request=request, actor=dpo, body="Vous trouverez la copie de vos données ci-jointe."
        )
        # when
        letter = letter_build(request=request)
    # then
    assert letter.language == "fr"
    assert letter.subject == f"Objet : votre demande {request.reference}"
    assert letter.place_date == "Le 25 mars 2026"
    assert [s.heading for s in letter.sections] == [
        "Notre réponse",
        "Les traitements qui vous concernent",
        "Vos droits",
        "Décision automatisée",
        "Réclamation auprès de la CNIL",
    ]
    assert section(letter, "Notre réponse").paragraphs == (
        "Vous trouverez la copie de vos données ci-jointe.",
    )
    confirmation = section(letter, "Les traitements qui vous concernent")
    assert "version 1 du 15 mars 2026" in confirmation.paragraphs[0]
    [logs] = confirmation.subsections
    assert logs.heading == "Journaux de connexions"
    assert dict(logs.facts) == {
        "Finalités": "Respecter l'obligation légale de conservation des données de connexion; "
        "Assurer la maintenance de nos services",
        "Catégories de données": "Identifiant de compte; Horodatage des connexions; Adresse IP",
        "Destinataires": "Autorités judiciaires et administratives habilitées par la loi "
        "(réquisitions); Administrateurs d'inherent",
        "Transferts hors de l'Union européenne": "aucun transfert hors de l'Union européenne",
        "Durée de conservation": "Données de connexion : 1 an à compter de la connexion",
        "Source des données": "observées lors de votre utilisation de nos services (traces, "
        "journaux, cookies)",
    }
    rights = " ".join(section(letter, "Vos droits").paragraphs)
    assert "rectification ou l'effacement" in rights
    assert "portabilité" in rights
    assert "dpd@adista.fr" in rights
    complaint = section(letter, "Réclamation auprès de la CNIL").paragraphs[0]
    assert "https://www.cnil.fr/fr/adresser-une-plainte" in complaint
    assert letter.warnings == ()


def test_r10_the_access_answer_in_english(published: RegisterVersion, dpo: User) -> None:
    request = enter(dpo, language="en", services="connection logs")
    letter = letter_build(request=request)
    text = letter.text()
    assert letter.language == "en"
    assert "Connection logs" in text
    assert "Meet the legal obligation to keep connection data" in text
    assert "Connection data: 1 year from the connection" in text
    assert "https://www.cnil.fr/en/complaints" in text
    assert "Journaux" not in text


def test_r10_recipients_in_third_countries_are_flagged_and_gaps_reported(
    published: RegisterVersion, dpo: User
) -> None:
    # given: a version whose processing sends data to the United States and states no source
    snapshot = published.snapshot
    activity = next(a for a in snapshot["activities"] if a["slug"] == "connection-logs")
    activity["recipients"].append(
        {
            "name_fr": "Hébergeur américain",
            "name_en": "US host",
            "kind": "subprocessor",
            "country": "US",
        }
    )
    activity["sources"] = []
    version = RegisterVersion.objects.create(number=2, snapshot=snapshot)
    request = enter(dpo)
    # when
    letter = letter_build(request=request, version=version)
    # then
    [logs] = section(letter, "Les traitements qui vous concernent").subsections
    assert "Hébergeur américain (pays tiers : US)" in dict(logs.facts)["Destinataires"]
    assert letter.warnings == (
        "Journaux de connexions : « Source des données » est vide dans le registre publié.",
    )
    assert "vide dans le registre" not in letter.text()


def test_r10_without_a_published_register_the_dpo_is_warned(dpo: User) -> None:
    letter = letter_build(request=enter(dpo))
    assert letter.warnings == ("Aucun registre publié : la réponse d'accès est incomplète.",)


def test_the_dpo_may_choose_the_processing_an_access_answer_describes(
    published: RegisterVersion, dpo: User
) -> None:
    letter = letter_build(request=enter(dpo), activity_slugs=["newsletter", "recruitment"])
    confirmation = section(letter, "Les traitements qui vous concernent")
    assert [s.heading for s in confirmation.subsections] == ["Newsletter", "Recrutement"]


# --- what an erasure leaves in place ------------------------------------------------------


def test_r14_an_erasure_answer_lists_what_the_law_makes_us_keep(
    published: RegisterVersion, dpo: User
) -> None:
    letter = letter_build(request=enter(dpo, rights=[Right.ERASURE]))
    kept = section(letter, "Données conservées au titre d'une obligation légale")
    assert (
        "Données de connexion : 1 an à compter de la connexion (Décret n° 2021-1362 du "
        "20 octobre 2021, art. 5)"
    ) in kept.items
    assert "Les traitements qui vous concernent" not in [s.heading for s in letter.sections]


# --- R-22 ----------------------------------------------------------------------------


def test_r03_a_refusal_letter_gives_the_reason_and_the_remedies(
    published: RegisterVersion, dpo: User
) -> None:
    # given
    request = enter(dpo)
    services.request_refuse(
        request=request,
        actor=dpo,
        reason="excessive",
        detail="Troisième demande identique ce mois-ci.",
    )
    # when
    letter = letter_build(request=request)
    # then
    assert letter_kinds_available(request) == [ANSWER, REFUSAL]
    reason = section(letter, "Motif")
    assert reason.paragraphs == (
        "Nous ne pouvons pas donner suite à votre demande, pour le motif suivant : votre "
        "demande est excessive, notamment par son caractère répétitif (art. 12.5 du RGPD).",
        "Troisième demande identique ce mois-ci.",
    )
    remedies = " ".join(section(letter, "Vos voies de recours").paragraphs)
    assert "réclamation auprès de la CNIL" in remedies
    assert "https://www.cnil.fr/fr/adresser-une-plainte" in remedies
    assert "recours juridictionnel (art. 79 du RGPD)" in remedies


def test_r02_an_extension_letter_gives_the_reason_and_the_new_date(
    published: RegisterVersion, dpo: User
) -> None:
    request = enter(dpo, language="en")
    with at(datetime(2026, 3, 25, 9, tzinfo=PARIS)):
        services.request_extend(
            request=request,
            actor=dpo,
            extra_months=1,
            reason="Your data is spread over twelve systems.",
        )
    letter = letter_build(request=request)
    assert letter.title == "Extension of the time to answer"
    assert section(letter, "Reason for the extension").paragraphs == (
        "The time to answer, which was to end on April 2, 2026, is extended to May 4, 2026, "
        "as GDPR article 12(3) allows.",
        "Your data is spread over twelve systems.",
    )


def test_r22_a_forwarding_letter_names_the_organisation(
    published: RegisterVersion, dpo: User, client_org: Organisation
) -> None:
    client_org.privacy_contact_email = "dpo@acme.example"
    client_org.save()
    request = enter(dpo, requester_relation=RequesterRelation.CLIENT_DATA_SUBJECT)
    services.request_set_client(request=request, client=client_org, actor=dpo)
    with at(datetime(2026, 3, 4, 9, tzinfo=PARIS)):
        services.request_forward(request=request, actor=dpo)
    letter = letter_build(request=request)
    assert letter_kinds_available(request) == [ANSWER, FORWARDING]
    paragraphs = section(letter, "Transmission de votre demande").paragraphs
    assert paragraphs[1] == (
        "Nous avons transmis votre demande le 4 mars 2026 à Acme "
        "Industries, à l'adresse dpo@acme.example. C'est cet organisme "
        "qui vous répondra."
    )


# --- renderings ---------------------------------------------------------------------------------


def test_the_pdf_says_the_same(published: RegisterVersion, dpo: User) -> None:
    request = enter(dpo)
    services.request_refuse(request=request, actor=dpo, reason="no_data", detail="Aucune donnée.")
    pdf = letter_pdf(letter_build(request=request))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF-")
    assert request.reference in text
    assert "CNIL" in text
    assert "Vos voies de recours" in text


def test_the_console_serves_the_letter_as_a_page_and_a_pdf(
    client: Client, published: RegisterVersion, dpo: User
) -> None:
    # given
    request = enter(dpo, language="en")
    with at(datetime(2026, 3, 25, 9, tzinfo=PARIS)):
        services.request_extend(request=request, actor=dpo, extra_months=2, reason="Complexity.")
    log_in(client, dpo)
    url = reverse("requests:console_letter", kwargs={"pk": request.pk})
    # when
    page = client.get(url, {"type": EXTENSION})
    pdf = client.get(url, {"type": EXTENSION, "format": "pdf"})
    fallback = client.get(url, {"type": REFUSAL})  # not refused: the letter its state calls for
    # then
    html = page.content.decode()
    assert '<html lang="en">' in html
    assert "Extension of the time to answer" in html
    assert "<script" not in html
    assert "style=" not in html
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="{request.reference}-extension.pdf"'
    )
    assert pdf.content.startswith(b"%PDF-")
    assert "Extension of the time to answer" in fallback.content.decode()
