"""The short art. 13 notice under collection forms (R-80): generated from the published register
for one activity, in the active language, and silent (with a warning) for an unknown slug."""

from __future__ import annotations

import html as html_lib
import logging
import re

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import strip_tags

from garde.register.models import ProcessingActivity, RegisterVersion
from garde.register.services.publishing import register_publish
from garde.register.short_notice import short_notice_for_activity

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(strip_tags(html))).strip()


def _render(slug: str) -> str:
    return Template("{% load short_notice %}{% short_notice slug %}").render(
        Context({"slug": slug})
    )


def test_r_80_short_notice_states_who_why_how_long_rights_and_links_the_full_notice(
    published: RegisterVersion,
) -> None:
    # given: the default register, published
    # when
    html = _render("contact-forms")
    text = _text(html)
    # then
    assert "Vos données dans ce formulaire" in text
    address = (
        "9 rue Blaise Pascal, Site Technologique Saint Jacques 1, 54320 Maxéville \u2013 France"
    )
    assert (
        f"inherent, responsable du traitement ({address}). Délégué à la protection des "
        "données : dpd@adista.fr. Service responsable : Service Marketing." in text
    )
    assert "Traiter votre demande et vous apporter une réponse personnalisée" in text
    assert "Vous recontacter lorsque vous le demandez" in text
    assert (
        "Base légale : L'exécution d'un contrat ou de mesures précontractuelles (démarche à "
        "votre demande, avant tout contrat)." in text
    )
    assert "Service Marketing d'inherent" in text
    assert "Demandes reçues par les formulaires : un an à compter de la collecte" in text
    assert "Transferts hors de l'Union européenne Aucun" in text
    assert "en demander la portabilité" in text
    assert "réclamation auprès de la CNIL" in text
    assert 'href="/confidentialite/"' in html
    assert 'href="/droits/"' in html
    assert 'href="mailto:dpd@adista.fr"' in html
    # a contract-based activity has no consent to withdraw
    assert "retirer votre consentement" not in text


def test_r_80_short_notice_follows_the_active_language(published: RegisterVersion) -> None:
    # given
    # when
    with translation.override("en"):
        html = _render("contact-forms")
    text = _text(html)
    # then
    assert "Your data in this form" in text
    assert "Data protection officer: dpd@adista.fr." in text
    assert "Requests received through the forms: one year from collection" in text
    assert "Handle your request and give you a personalised answer" in text
    assert 'href="/en/privacy/"' in html
    assert 'href="/en/rights/"' in html
    assert "Vos données" not in text


def test_r_80_short_notice_of_a_consent_based_activity_mentions_withdrawal(
    published: RegisterVersion,
) -> None:
    # given: the newsletter relies on consent
    # when
    text = _text(_render("newsletter"))
    # then
    assert "Vous pouvez retirer votre consentement à tout moment" in text
    assert "jusqu'à votre désinscription" in text


def test_r_80_short_notice_reads_the_published_version_not_the_working_register(
    published: RegisterVersion,
) -> None:
    # given: the DPO edits the activity without publishing, then publishes
    ProcessingActivity.objects.filter(slug="contact-forms").update(
        purposes_fr="Une finalité pas encore publiée"
    )
    before = _render("contact-forms")
    # when
    register_publish(actor=None)
    after = _render("contact-forms")
    # then
    assert "Une finalité pas encore publiée" not in before
    assert "Une finalité pas encore publiée" in after


def test_unknown_slug_renders_nothing_and_logs_a_warning(
    published: RegisterVersion, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caplog.set_level(logging.WARNING, logger="garde.register.short_notice")
    # when
    html = _render("no-such-activity")
    # then
    assert html == ""
    assert [r.getMessage() for r in caplog.records] == [
        "short notice 'no-such-activity': no such activity in register version 1"
    ]


def test_without_a_published_register_nothing_is_rendered(
    db: None, caplog: pytest.LogCaptureFixture
) -> None:
    # given: no version published
    caplog.set_level(logging.WARNING, logger="garde.register.short_notice")
    # when
    html = _render("contact-forms")
    # then
    assert html == ""
    assert short_notice_for_activity("contact-forms") is None
    assert "no register version is published" in caplog.records[0].getMessage()
