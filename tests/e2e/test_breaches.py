"""A breach in a real browser: a client's member reports it in the RGPD tab; the DPO records it
in the register, assesses it, notifies the client and drafts the CNIL notification, whose
export carries the form's fields."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from garde.accounts import demo
from garde.accounts.models import Organisation
from garde.breaches.models import Breach
from garde.register.choices import ProcessingRole
from garde.requests.choices import RequestKind
from garde.requests.models import Request
from tests.e2e.test_requests_portal import DPO, MEMBER, log_in
from tests.register.console_factories import ProcessingActivityFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e


def _action(page: Page, label: str) -> Locator:
    section = page.locator("details").filter(has=page.locator("summary", has_text=label))
    section.locator("summary").click()
    return section


def test_member_reports_and_dpo_assesses_notifies_the_client_and_drafts_for_the_cnil(
    browser: Browser, page: Page, live_server: LiveServer, settings: Any, tmp_path: Path
) -> None:
    # given: the demo, and a hosted service the register links to Acme
    settings.PRIVATE_DIR = tmp_path
    demo.load()
    acme = Organisation.objects.get(name__icontains="Acme")
    ProcessingActivityFactory(
        slug="hosting-acme",
        role=ProcessingRole.PROCESSOR,
        name_fr="Hébergement des serveurs d'Acme",
        client_controllers=[acme],
    )
    base = live_server.url

    # when: the member reports a breach in the RGPD tab
    log_in(page, base, MEMBER)
    page.goto(base + "/portal/rgpd/")
    page.get_by_role("link", name="Signaler une violation de données").click()
    page.get_by_label("Que s'est-il passé ?").fill(
        "Un collègue a reçu par erreur un export de nos clients depuis votre serveur."
    )
    page.get_by_role("button", name="Envoyer").click()
    report = Request.objects.get(kind=RequestKind.BREACH_REPORT)

    # and: the DPO records it in the register from the report
    dpo_context = browser.new_context(locale="fr-FR")
    dpo_page = dpo_context.new_page()
    log_in(dpo_page, base, DPO)
    dpo_page.goto(base + reverse("breaches:console_new") + f"?report={report.pk}")
    expect(dpo_page.get_by_label("Description")).to_have_value(re.compile("export de nos"))
    dpo_page.get_by_label("Intitulé").fill("Export clients envoyé au mauvais destinataire")
    dpo_page.get_by_label("Perte de confidentialité").check()
    dpo_page.get_by_label("Hébergement des serveurs d'Acme").check()
    dpo_page.get_by_label("Contact du DPO").fill("Delphine Pasquier, dpo@inherent.example")
    dpo_page.get_by_role("button", name="Enregistrer").click()
    expect(dpo_page.get_by_text("Violation inscrite au registre.")).to_be_visible()
    breach = Breach.objects.get()

    # and: assesses it, notifies the client, drafts the CNIL notification
    assess = _action(dpo_page, "Évaluer le risque")
    assess.get_by_label("Contexte du traitement (DPC) : type de données").select_option("1")
    assess.get_by_label("Facilité d'identification (EI)").select_option("1")
    assess.get_by_label("Perte de confidentialité").select_option("0.25")
    assess.get_by_label("Justification").fill("Coordonnées simples, destinataire identifié.")
    assess.get_by_role("button", name="Évaluer le risque").click()
    expect(dpo_page.locator("#risk")).to_contain_text("Gravité 1,25")
    _action(dpo_page, "Informer les clients concernés").get_by_role(
        "button", name="Informer les clients concernés"
    ).click()
    expect(dpo_page.get_by_role("cell", name=acme.name, exact=True)).to_be_visible()
    draft = _action(dpo_page, "Rédiger la notification à la CNIL")
    draft.get_by_label("Type de notification").select_option("initial")
    draft.get_by_role("button", name="Rédiger la notification à la CNIL").click()
    with dpo_page.expect_download() as download_info:
        dpo_page.get_by_role("link", name="JSON").click()
    exported = json.loads(Path(download_info.value.path()).read_text())
    dpo_context.close()

    # then
    breach.refresh_from_db()
    assert (breach.report, breach.severity, breach.risk_level) == (report, Decimal("1.25"), "none")
    assert list(breach.client_notices.values_list("organisation__name", flat=True)) == [acme.name]
    fields = {f["key"]: f["value"] for s in exported["sections"] for f in s["fields"]}
    assert exported["kind"] == "initial"
    assert fields["natures"] == "Perte de confidentialité"
    assert fields["processor"] == "Hébergement des serveurs d'Acme"
    assert fields["dpo_contact"] == "Delphine Pasquier, dpo@inherent.example"
    assert {"aware_at", "description", "consequences", "measures_taken"} <= set(fields)
