"""A rights request in a real browser: a demo member files it in the portal's RGPD tab with a
PDF, the demo DPO answers it in the console with a file, the member reads the answer and
downloads the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from garde.accounts import demo
from garde.accounts.models import TotpDevice, User
from garde.core.crypto import decrypt_text
from garde.requests import services
from garde.requests.attachments import attachment_add
from garde.requests.choices import Channel, Queue, RequesterRelation, RequestKind, Right, Status
from garde.requests.models import Request
from tests.e2e.test_accessibility import AXE, violations

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.e2e

MEMBER = "alice@acme.example"
DPO = "dpo@inherent.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ANSWER_FILE = b"Donnees de Alice Bernard : compte client, contrat d'hebergement.\n"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    if email == DPO:
        expect(page).to_have_url(re.compile(re.escape(base + "/accounts/login/verify/")))
        device = TotpDevice.objects.get(user__email=email)
        code = pyotp.TOTP(decrypt_text(device.encrypted_secret)).now()
        page.get_by_label("Code à 6 chiffres ou code de secours").fill(code)
        page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(base + "/")


def test_member_files_a_rights_request_and_reads_the_dpos_answer(
    browser: Browser, page: Page, live_server: LiveServer, settings: Any, tmp_path: Path
) -> None:
    # given
    settings.PRIVATE_DIR = tmp_path
    demo.load()
    base = live_server.url
    log_in(page, base, MEMBER)

    # when: the member files a rights request about their data at the operator, with a PDF
    page.goto(base + "/portal/rgpd/")
    page.get_by_role("link", name="Exercer mes droits").click()
    expect(page.get_by_role("heading", name="Exercer mes droits", level=2)).to_be_visible()
    rights = page.get_by_role("group", name="Droit(s) que vous exercez")
    rights.get_by_label("Accès (copie des données)").check()
    page.get_by_label(re.compile(r"Mes données chez inherent")).check()
    page.get_by_label("Votre demande").fill("Je souhaite une copie de mes données de compte.")
    page.get_by_label("Pièces jointes").set_input_files(
        files=[{"name": "justificatif.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Envoyer").click()

    # then: it is recorded in the operator's queue and the member is on its page
    request = Request.objects.get(requester__email=MEMBER)
    assert (request.queue, request.status) == (Queue.OPERATOR, Status.RECEIVED)
    assert [a.original_name for a in request.attachments.all()] == ["justificatif.pdf"]
    expect(page).to_have_url(base + reverse("requests:portal_detail", kwargs={"pk": request.pk}))
    expect(page.get_by_role("status")).to_contain_text(f"Votre demande {request.reference}")
    expect(page.get_by_role("link", name="justificatif.pdf")).to_be_visible()

    # when: the DPO opens it in the console and answers with a file
    dpo_context = browser.new_context(locale="fr-FR")
    dpo_page = dpo_context.new_page()
    log_in(dpo_page, base, DPO)
    dpo_page.goto(base + reverse("requests:console_detail", kwargs={"pk": request.pk}))
    expect(dpo_page.get_by_role("heading", name=re.compile(request.reference))).to_be_visible()
    answer = dpo_page.locator("#action-answer")
    answer.locator("summary").click()
    answer.get_by_role("textbox", name="Réponse").fill(
        "Vous trouverez vos données dans le fichier joint."
    )
    answer.get_by_label("Fichiers joints").set_input_files(
        files=[{"name": "vos-donnees.txt", "mimeType": "text/plain", "buffer": ANSWER_FILE}]
    )
    answer.get_by_role("button", name="Répondre").click()
    expect(dpo_page.get_by_role("status")).to_be_visible()
    dpo_context.close()

    # then: the member sees the answer and downloads the file
    request.refresh_from_db()
    assert request.status == Status.ANSWERED
    page.reload()
    expect(page.get_by_text("Vous trouverez vos données dans le fichier joint.")).to_be_visible()
    expect(page.get_by_text("Répondue", exact=True)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="vos-donnees.txt").click()
    download = download_info.value
    assert download.suggested_filename == "vos-donnees.txt"
    assert Path(download.path()).read_bytes() == ANSWER_FILE


@pytest.fixture
def axe_page(browser: Browser) -> Page:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run .ci/install-browser-tools.sh")
    # The CSP forbids inline scripts, which is how axe is injected: bypass it for this check only.
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    return context.new_page()


def test_request_pages_have_no_serious_accessibility_violation(
    axe_page: Page, live_server: LiveServer, settings: Any, tmp_path: Path
) -> None:
    # given: a member's request with a file and a message, and a public request
    settings.PRIVATE_DIR = tmp_path
    demo.load()
    alice = User.objects.get(email=MEMBER)
    request, _token = services.request_submit(
        kind=RequestKind.RIGHTS, channel=Channel.PORTAL, requester=alice,
        requester_name=alice.full_name, requester_email=alice.email,
        requester_relation=RequesterRelation.CLIENT_USER, rights=[Right.ACCESS],
        description="Copie de mes données",
    )  # fmt: skip
    attachment_add(
        request=request,
        upload=SimpleUploadedFile("scan.pdf", PDF),
        uploaded_by=alice,
        from_requester=True,
    )
    services.message_post(request=request, body="Merci", author=alice, from_requester=True)
    public, token = services.request_submit(
        kind=RequestKind.RIGHTS, channel=Channel.PUBLIC_FORM, requester_name="Zoé Petit",
        requester_email="zoe@example.org", requester_relation=RequesterRelation.OPERATOR_DATA,
        rights=[Right.ERASURE], description="Effacez mes données",
    )  # fmt: skip
    assert token is not None
    base = live_server.url
    found: dict[str, Any] = {}

    # when: signed out
    for path in [
        "/droits/",
        "/en/rights/",
        reverse("requests:public_sent"),
        reverse("requests:public_lookup"),
        reverse("requests:public_follow", kwargs={"token": token}),
    ]:
        axe_page.goto(base + path)
        found[path] = violations(axe_page)
    axe_page.goto(base + "/droits/")
    axe_page.get_by_role("button", name="Envoyer ma demande").click()
    found["/droits/ (errors)"] = violations(axe_page)

    # and as the organisation's administrator
    log_in(axe_page, base, "admin@acme.example")
    for path in [
        "/portal/rgpd/",
        reverse("requests:portal_rights_new"),
        reverse("requests:portal_assistance_new"),
        reverse("requests:portal_pia_new"),
        reverse("requests:portal_breach_new"),
        reverse("requests:org_queue"),
        reverse("requests:org_detail", kwargs={"pk": request.pk}),
        reverse("requests:org_privacy_contact"),
    ]:
        axe_page.goto(base + path)
        found[path] = violations(axe_page)
    axe_page.goto(base + reverse("requests:portal_breach_new"))
    axe_page.get_by_role("button", name="Envoyer").click()
    found["breach (errors)"] = violations(axe_page)

    # then
    assert found == {path: [] for path in found}
    assert public.email_confirmed_at is None
