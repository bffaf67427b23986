"""The public notice: generated from the latest published register, following the published
policy section by section, in French and English; earlier versions stay readable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
import time_machine
from django.test import Client

from garde.accounts.models import User
from garde.register.models import (
    OperatorProfile,
    Recipient,
    RegisterVersion,
    RetentionRule,
    StorageLocation,
)
from garde.register.notice_content import retention_period
from garde.register.services.publishing import register_publish
from tests.register.conftest import PARIS, RenderedPage, seed_section_headings

pytestmark = pytest.mark.django_db

ReadPage = Callable[[bytes], RenderedPage]

ENGLISH_HEADINGS = [
    "WHO ARE THE PEOPLE WHOSE DATA WE PROCESS?",
    "WHAT TYPES OF PERSONAL INFORMATION DO WE COLLECT?",
    "WHAT DO WE DO WITH THIS INFORMATION?",
    "WHO DO WE SHARE YOUR INFORMATION WITH?",
    "HOW CAN YOU CONTROL AND ACCESS YOUR PERSONAL DATA?",
    "HOW DO WE KEEP YOUR INFORMATION SECURE?",
    "WHAT TO DO IN THE EVENT OF A PERSONAL DATA BREACH?",
    "NOTICE TO END USERS",
    "NOTICE TO PEOPLE CONCERNED BY OUR CLIENTS' SERVICES",
    "PERSONAL DATA PROCESSING ON INHERENT WEBSITES",
    "COOKIES",
    "CONNECTION LOGS",
    "CONTACT AND CALLBACK FORMS",
    "NEWSLETTER",
    "APPLYING FOR A JOB",
    "HOW TO CONTACT US",
    "EXERCISING THE RIGHTS OF A DATA SUBJECT",
]


def test_french_notice_has_every_section_of_the_published_policy_in_order(
    client: Client, published: RegisterVersion, read_page: ReadPage
) -> None:
    # given: the policy's all-caps lines, except the group's name that heads its address block
    group_line = OperatorProfile.objects.get().group_name.upper()
    headings = [line for line in seed_section_headings() if line != group_line]
    assert headings[0].startswith("QUELLES SONT LES PERSONNES")
    assert headings[-1].startswith("EXERCICE DES DROITS")
    # when
    response = client.get("/confidentialite/")
    # then
    page = read_page(response.content)
    assert response.status_code == 200
    assert page.h1 == [
        "Politique générale d'inherent en matière de protection des données à caractère personnel"
    ]
    assert page.h2 == headings
    assert "Version du 15/03/2026" in page.text
    assert "ADISTA GROUP 9 rue Blaise Pascal Site Technologique Saint Jacques 1" in page.text
    assert "54320 Maxéville \u2013 France" in page.text
    assert "dpd@adista.fr" in page.text


def test_r24_french_notice_states_every_period_location_and_recipient_of_the_register(
    client: Client, published: RegisterVersion, read_page: ReadPage
) -> None:
    # when
    page = read_page(client.get("/confidentialite/").content)
    # then: every value of the published version ...
    activities = published.snapshot["activities"]
    periods = {retention_period(r, "fr") for a in activities for r in a["retention_rules"]}
    locations = {s["name_fr"] for a in activities for s in a["storage_locations"]}
    recipients = {r["name_fr"] for a in activities for r in a["recipients"]}
    # twelve from the policy, plus the 30 days of access packages and the 25 months of audience
    # statistics
    assert len(periods) == 14
    assert len(locations) == StorageLocation.objects.count() == 5
    assert len(recipients) == Recipient.objects.count() == 16
    assert sorted(p for p in periods if p not in page.text) == []
    assert sorted(loc for loc in locations if loc not in page.text) == []
    assert sorted(r for r in recipients if r not in page.text) == []
    # ... and, in the words of the policy, what it promises
    for promise in [
        "Données de connexion : un an à compter de la réalisation de la connexion",
        "Demandes reçues par les formulaires : un an à compter de la collecte",
        "Données des abonnés : jusqu'à votre désinscription",
        "Candidatures, durée maximale : un an à compter de la collecte",
        "Datacenters d'inherent, en France",
        "Service Marketing d'inherent",
        "Service Ressources Humaines d'inherent",
        "Administrateurs d'inherent",
        "Vous reconnaître lorsque vous vous connectez à nouveau",
        "Analyser les performances de nos sites web et services en ligne",
        "Les données collectées ne sont ni communiquées à des tiers, ni revendues.",
    ]:
        assert promise in page.text


def test_notice_shows_a_published_change_and_keeps_the_previous_version(
    client: Client, published: RegisterVersion, dpo: User, read_page: ReadPage
) -> None:
    # given: the contact-forms period changed to two years in the working register
    RetentionRule.objects.filter(key="contact-requests").update(count=2)
    before_publishing = read_page(client.get("/confidentialite/").content)
    # when
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=PARIS), tick=False):
        version = register_publish(actor=dpo, note="Formulaires : deux ans")
    current = read_page(client.get("/confidentialite/").content)
    previous = read_page(client.get("/confidentialite/versions/1/").content)
    archive = client.get("/confidentialite/versions/")
    # then: editing alone changes nothing public; publishing does
    old_line = "Demandes reçues par les formulaires : un an à compter de la collecte"
    new_line = "Demandes reçues par les formulaires : deux ans à compter de la collecte"
    assert old_line in before_publishing.text
    assert version.number == 2
    assert "Version du 01/06/2026" in current.text
    assert new_line in current.text
    assert old_line not in current.text
    assert "n'est plus en vigueur" not in current.text
    assert "Version du 15/03/2026" in previous.text
    assert old_line in previous.text
    assert new_line not in previous.text
    assert "Cette version de la politique n'est plus en vigueur." in previous.text
    archive_page = read_page(archive.content)
    assert archive_page.text.count("Version n°") == 2
    assert "Version n° 2 du 01/06/2026 en vigueur" in archive_page.text
    assert "Version n° 1 du 15/03/2026" in archive_page.text
    assert 'href="/confidentialite/versions/2/"' in archive.content.decode()
    assert 'href="/confidentialite/versions/1/"' in archive.content.decode()


def test_english_notice_has_english_headings_and_wording(
    client: Client, published: RegisterVersion, read_page: ReadPage
) -> None:
    # when
    response = client.get("/en/privacy/")
    # then
    page = read_page(response.content)
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert page.h1 == ["inherent's general policy on the protection of personal data"]
    assert page.h2 == ENGLISH_HEADINGS
    assert "Version of 15/03/2026" in page.text
    assert "Connection data: one year from the day of the connection" in page.text
    assert "Subscriber data: until you unsubscribe" in page.text
    assert "inherent's own datacentres, in France" in page.text
    assert 'href="/en/privacy/rights-request-form.pdf"' in response.content.decode()


def test_notice_links_the_downloadable_form_from_its_last_section(
    client: Client, published: RegisterVersion
) -> None:
    html = client.get("/confidentialite/").content.decode()
    last_section = html[html.index("EXERCICE DES DROITS") :]
    assert 'href="/confidentialite/formulaire-droits.pdf" download>' in last_section


def test_notice_without_a_published_version_says_so(client: Client, read_page: ReadPage) -> None:
    # given: nothing published
    assert not RegisterVersion.objects.exists()
    # when
    french = client.get("/confidentialite/")
    english = client.get("/en/privacy/")
    archive = client.get("/confidentialite/versions/")
    # then
    assert (french.status_code, english.status_code, archive.status_code) == (200, 200, 200)
    assert read_page(french.content).h2 == []
    assert "Aucune version de notre politique" in read_page(french.content).text
    assert "No version of our data protection policy" in read_page(english.content).text
    assert "Aucune version n'a encore été publiée." in read_page(archive.content).text


def test_an_unknown_version_is_not_found(client: Client, published: RegisterVersion) -> None:
    assert client.get("/confidentialite/versions/2/").status_code == 404


def test_notice_pages_have_one_h1_and_no_inline_style(
    client: Client, published: RegisterVersion, read_page: ReadPage
) -> None:
    for path in ["/confidentialite/", "/en/privacy/", "/confidentialite/versions/"]:
        response = client.get(path)
        assert len(read_page(response.content).h1) == 1
        assert " style=" not in response.content.decode()


def test_notice_pages_read_one_version_whatever_the_register_size(
    client: Client,
    published: RegisterVersion,
    django_assert_num_queries: Callable[[int], object],
) -> None:
    # The notice reads the frozen snapshot: no query per activity, rule or recipient.
    with django_assert_num_queries(1):  # type: ignore[operator]
        client.get("/confidentialite/")
    with django_assert_num_queries(2):  # type: ignore[operator]
        client.get("/confidentialite/versions/1/")
    with django_assert_num_queries(1):  # type: ignore[operator]
        client.get("/confidentialite/versions/")
