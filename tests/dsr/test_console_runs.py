"""Running the fulfilment engine from a rights request in the console (issue 5, point 7): start
an access or an erasure dry run (background task, progress), review it (package preview, what
the erasure would change), then release the package, apply the erasure (signed receipt, art. 19
tasks), rectify and restrict; who may do what; the list of runs.

The engine runs on a SQLite copy of Fides' example database; the background task runs through
django-tasks' immediate backend when the view's transaction commits."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.dsr.choices import NotificationStatus, RunKind, RunStatus
from garde.dsr.models import (
    AccessPackage,
    DataSystem,
    ErasureJournalEntry,
    FulfilmentRun,
    ProcessingRestriction,
    RecipientNotification,
)
from garde.dsr.package import art15_cache_clear
from garde.dsr.receipts import receipt_verify
from garde.dsr.run_views import PREVIEW_CSP
from garde.dsr.selectors import restriction_active
from garde.dsr.services import dataset_import, system_add
from garde.register.models import DataCategory
from garde.register.services.publishing import register_publish
from garde.requests import services as request_services
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right
from garde.requests.models import Request
from tests.conftest import log_in
from tests.dsr.fides_fixture import EXAMPLE_KEY, EXAMPLE_YAML, fides_sqlite_script
from tests.register.console_factories import ProcessingActivityFactory, RecipientFactory

pytestmark = pytest.mark.django_db

EMAIL = "customer-1@example.com"
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"
CRM_YAML = """\
dataset:
  - fides_key: crm
    name: CRM
    collections:
      - name: contacts
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta:
              primary_key: True
          - name: email
            data_categories: [user.contact.email]
            fides_meta:
              identity: email
"""
Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def _private_dir_and_tasks(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PRIVATE_DIR = tmp_path / "private"
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    art15_cache_clear()
    yield
    art15_cache_clear()


@pytest.fixture
def fides_db(tmp_path: Path) -> Path:
    path = tmp_path / "fides.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(fides_sqlite_script())
    connection.close()
    return path


@pytest.fixture
def system(fides_db: Path) -> DataSystem:
    dataset_import(
        text=EXAMPLE_YAML.read_text(encoding="utf-8"), filename=EXAMPLE_YAML.name, actor=None
    )
    return system_add(
        name="fides", type="sqlite", url=f"sqlite:///{fides_db}", actor=None, datasets=[EXAMPLE_KEY]
    )


@pytest.fixture
def register(system: DataSystem) -> dict[str, Any]:
    """Published activities: e-mails to two recipients, payment data to one."""
    email = DataCategory.objects.get(key="user.contact.email")
    financial = DataCategory.objects.get(key="user.financial")
    mailer = RecipientFactory(name_fr="Routeur d'e-mails", name_en="Mailer")
    crm = RecipientFactory(name_fr="Éditeur du CRM", name_en="CRM vendor")
    bank = RecipientFactory(name_fr="Banque", name_en="Bank")
    newsletter = ProcessingActivityFactory(slug="newsletter")
    newsletter.data_categories.set([email])
    newsletter.recipients.set([mailer, crm])
    billing = ProcessingActivityFactory(slug="billing")
    billing.data_categories.set([financial])
    billing.recipients.set([bank])
    register_publish(actor=None)
    return {"mailer": mailer, "crm": crm, "bank": bank}


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo", full_name="Dominique Paulin")


@pytest.fixture
def support(make_user: Callable[..., User]) -> User:
    return make_user("support", full_name="Sam Support")


def rights_request(dpo: User, rights: list[str], **overrides: Any) -> Request:
    fields: dict[str, Any] = {
        "kind": RequestKind.RIGHTS,
        "channel": Channel.EMAIL,
        "requester_name": "Jane Customer",
        "requester_email": EMAIL,
        "requester_relation": RequesterRelation.OPERATOR_DATA,
        "description": "Mes données",
        "rights": rights,
        "received_at": timezone.now(),
        "entered_by": dpo,
    }
    fields.update(overrides)
    request, _token = request_services.request_submit(**fields)
    return request


@pytest.fixture
def req(dpo: User) -> Request:
    return rights_request(dpo, [Right.ACCESS, Right.ERASURE])


@pytest.fixture
def as_dpo(client: Client, dpo: User) -> Client:
    return log_in(client, dpo)


def url(name: str, pk: int) -> str:
    return reverse(f"dsr_runs:{name}", kwargs={"pk": pk})


def post(client: Client, capture: Capture, path: str, data: dict[str, Any] | None = None) -> Any:
    """POST, then run what the view left for after commit (the background task)."""
    with capture(execute=True):
        return client.post(path, data or {})


def start(client: Client, capture: Capture, request: Request, kind: str, **data: Any) -> Any:
    return post(client, capture, url(f"request_{kind}_start", request.pk), {"email": EMAIL, **data})


def last_run() -> FulfilmentRun:
    return FulfilmentRun.objects.order_by("-pk").first()  # type: ignore[return-value]


def dump(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            (table, row["_rowid"]): dict(row)
            for table in tables
            for row in connection.execute(f'SELECT rowid AS "_rowid", * FROM "{table}"')  # noqa: S608
        }
    finally:
        connection.close()


def customer(path: Path, customer_id: int = 1) -> dict[str, Any]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        row = connection.execute("SELECT * FROM customer WHERE id = ?", (customer_id,)).fetchone()
        return dict(row)
    finally:
        connection.close()


def dsr_audit_count() -> int:
    return AuditEvent.objects.filter(action__startswith="dsr.").count()


# --- starting from the request page -----------------------------------------------------------


def test_the_request_page_offers_the_runs_its_rights_allow(
    as_dpo: Client, system: DataSystem, dpo: User
) -> None:
    # given
    access_only = rights_request(dpo, [Right.ACCESS])
    erasure = rights_request(dpo, [Right.ERASURE, Right.RECTIFICATION, Right.RESTRICTION])
    # when
    access_page = as_dpo.get(reverse("requests:console_detail", kwargs={"pk": access_only.pk}))
    erasure_page = as_dpo.get(reverse("requests:console_detail", kwargs={"pk": erasure.pk}))
    # then
    access_html = access_page.content.decode()
    erasure_html = erasure_page.content.decode()
    assert "Exécution" in access_html
    assert url("request_access_start", access_only.pk) in access_html
    assert f'value="{EMAIL}"' in access_html
    assert url("request_erasure_start", access_only.pk) not in access_html
    assert url("request_access_start", erasure.pk) not in erasure_html
    assert url("request_erasure_start", erasure.pk) in erasure_html
    assert url("request_rectification", erasure.pk) in erasure_html
    assert url("request_restriction", erasure.pk) in erasure_html


def test_access_started_from_the_request_runs_in_the_background_to_review(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # when: the view commits the queued run; the task only runs once it is committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_dpo.post(url("request_access_start", req.pk), {"email": EMAIL})
    queued = last_run()
    assert (queued.kind, queued.status, queued.request, queued.identities) == (
        RunKind.ACCESS,
        RunStatus.QUEUED,
        req,
        {"email": EMAIL},
    )
    assert response.status_code == 302
    assert response["Location"] == url("run_detail", queued.pk)
    assert len(callbacks) == 1
    callbacks[0]()
    # then
    run = FulfilmentRun.objects.get(pk=queued.pk)
    assert run.status == RunStatus.REVIEW
    assert run.language == "fr"
    assert AccessPackage.objects.filter(run=run).count() == 1
    page = as_dpo.get(url("run_detail", run.pk)).content.decode()
    assert "Paquet d&#x27;accès" in page or "Paquet d'accès" in page
    assert '<th scope="row">customer</th><td>1</td>' in page
    assert '<th scope="row">login</th><td>6</td>' in page
    assert url("package_preview", run.pk) in page
    assert url("package_release", run.pk) in page
    assert 'hx-trigger="every 2s"' not in page


def test_an_extra_identity_line_is_checked_by_the_engine(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    events = dsr_audit_count()
    # when
    malformed = start(as_dpo, django_capture_on_commit_callbacks, req, "access", extra="phone")
    unknown = start(
        as_dpo, django_capture_on_commit_callbacks, req, "access", extra="loyalty_id=42"
    )
    twice = start(
        as_dpo, django_capture_on_commit_callbacks, req, "erasure", extra=f"email={EMAIL}"
    )
    # then
    assert malformed.status_code == 400
    assert "Ligne 1 : attendu type=valeur" in malformed.content.decode()
    assert unknown.status_code == 400
    unknown_html = unknown.content.decode()
    assert '<ul class="errorlist" id="id_extra_error">' in unknown_html
    assert "« loyalty_id »" in unknown_html  # the engine's message names the type
    assert twice.status_code == 400
    assert "déjà donnée" in twice.content.decode()
    assert not FulfilmentRun.objects.exists()
    assert dsr_audit_count() == events


def test_a_request_without_the_right_starts_nothing(
    as_dpo: Client,
    system: DataSystem,
    dpo: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    access_only = rights_request(dpo, [Right.ACCESS])
    # when
    response = start(as_dpo, django_capture_on_commit_callbacks, access_only, "erasure")
    # then
    assert response.status_code == 400
    assert "ne permet pas cette exécution" in response.content.decode()
    assert not FulfilmentRun.objects.exists()


def test_support_starts_access_on_their_requests_but_never_erasure(
    client: Client,
    system: DataSystem,
    dpo: User,
    support: User,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: a dry run the DPO made, and the request assigned to support
    log_in(client, dpo)
    start(client, django_capture_on_commit_callbacks, req, "erasure")
    dry_run = last_run()
    request_services.request_assign(request=req, assignee=support, actor=dpo)
    log_in(client, support)
    # when
    page = client.get(reverse("requests:console_detail", kwargs={"pk": req.pk})).content.decode()
    erasure = start(client, django_capture_on_commit_callbacks, req, "erasure")
    apply = post(
        client,
        django_capture_on_commit_callbacks,
        url("erasure_apply", dry_run.pk),
        {"confirm": "on"},
    )
    access = start(client, django_capture_on_commit_callbacks, req, "access")
    # then
    assert url("request_access_start", req.pk) in page
    assert url("request_erasure_start", req.pk) not in page
    assert (erasure.status_code, apply.status_code) == (403, 403)
    assert FulfilmentRun.objects.filter(kind=RunKind.ERASURE).count() == 1
    assert access.status_code == 302
    assert last_run().kind == RunKind.ACCESS


def test_support_does_not_reach_the_runs_of_requests_not_assigned_to_them(
    client: Client,
    system: DataSystem,
    dpo: User,
    support: User,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    log_in(client, dpo)
    start(client, django_capture_on_commit_callbacks, req, "access")
    run = last_run()
    log_in(client, support)
    # when
    detail = client.get(url("run_detail", run.pk))
    preview = client.get(url("package_preview", run.pk))
    started = start(client, django_capture_on_commit_callbacks, req, "access")
    listing = client.get(reverse("dsr_runs:run_list")).content.decode()
    # then
    assert (detail.status_code, preview.status_code, started.status_code) == (404, 404, 404)
    assert url("run_detail", run.pk) not in listing
    assert FulfilmentRun.objects.count() == 1


# --- following a run ----------------------------------------------------------------------------


def test_the_progress_fragment_is_polled_while_the_run_is_queued_then_reloads_the_page(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: a queued run whose task has not run yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        as_dpo.post(url("request_access_start", req.pk), {"email": EMAIL})
    run = last_run()
    # when
    queued = as_dpo.get(url("run_progress", run.pk))
    callbacks[0]()
    done = as_dpo.get(url("run_progress", run.pk), headers={"HX-Request": "true"})
    # then
    queued_html = queued.content.decode()
    assert queued.status_code == 200
    assert 'hx-get="{}"'.format(url("run_progress", run.pk)) in queued_html
    assert 'hx-trigger="every 2s"' in queued_html
    assert '<progress id="run-progress-bar" max="3" value="0"' in queued_html
    assert "En file d&#x27;attente" in queued_html or "En file d'attente" in queued_html
    assert "HX-Refresh" not in queued
    done_html = done.content.decode()
    assert done["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in done_html
    assert '<progress id="run-progress-bar" max="3" value="3"' in done_html
    run.refresh_from_db()
    assert f"— {run.progress_message}</p>" in done_html


def test_a_partial_failure_is_reported_on_the_run_page(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: a second system that cannot be reached
    dataset_import(text=CRM_YAML, filename="crm.yml", actor=None)
    system_add(
        name="crm",
        type="sqlite",
        url=f"sqlite:///{tmp_path / 'missing.sqlite3'}",
        actor=None,
        datasets=["crm"],
    )
    # when
    start(as_dpo, django_capture_on_commit_callbacks, req, "access")
    run = last_run()
    page = as_dpo.get(url("run_detail", run.pk)).content.decode()
    # then
    assert run.status == RunStatus.REVIEW
    assert [(f["system"], f["dataset"]) for f in run.result["failures"]] == [("crm", "crm")]
    assert "Ce qui n&#x27;a pas pu être traité" in page or "Ce qui n'a pas pu être traité" in page
    assert "<td>crm</td><td><code>crm</code></td>" in page


# --- access: preview, download, release ---------------------------------------------------------


def test_the_preview_serves_the_package_index_under_a_strict_policy_and_is_audited(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "access")
    run = last_run()
    # when
    preview = as_dpo.get(url("package_preview", run.pk))
    download = as_dpo.get(url("package_download", run.pk))
    # then
    assert preview.status_code == 200
    assert preview["Content-Security-Policy"] == PREVIEW_CSP
    assert PREVIEW_CSP.startswith("default-src 'none'; style-src 'unsafe-inline'; sandbox")
    assert preview["X-Frame-Options"] == "DENY"
    assert preview["Cache-Control"] == "no-store, private"
    assert "Vos données personnelles" in preview.content.decode()
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = set(archive.namelist())
    assert {"data.json", "index.html"} <= names
    previewed = AuditEvent.objects.get(action="dsr.package_previewed")
    downloaded = AuditEvent.objects.get(action="dsr.package_staff_downloaded")
    assert (previewed.object_id, downloaded.object_id) == (str(run.pk), str(run.pk))
    run.refresh_from_db()
    assert run.status == RunStatus.REVIEW  # reading is not releasing


def test_an_expired_package_is_neither_previewed_nor_released(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "access")
    run = last_run()
    AccessPackage.objects.filter(run=run).update(expires_at=timezone.now())
    events = dsr_audit_count()
    # when
    preview = as_dpo.get(url("package_preview", run.pk))
    release = post(as_dpo, django_capture_on_commit_callbacks, url("package_release", run.pk))
    # then
    assert preview.status_code == 302
    assert release.status_code == 410
    assert "expiré" in release.content.decode() or "expired" in release.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.REVIEW
    assert mail.outbox == []
    assert dsr_audit_count() == events


def test_releasing_mails_the_requester_the_link_and_can_be_reissued(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    dpo: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "access")
    run = last_run()
    mail.outbox.clear()
    # when
    response = post(as_dpo, django_capture_on_commit_callbacks, url("package_release", run.pk))
    # then
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.released_by) == (RunStatus.RELEASED, dpo)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    link = re.search(r"https?://\S+/paquet/\S+/", mail.outbox[0].body)
    assert link is not None
    page = as_dpo.get(url("run_detail", run.pk)).content.decode()
    assert "Transmis le" in page
    assert "Transmettre à nouveau au demandeur" in page
    # when: re-issued, a new link replaces the first
    post(as_dpo, django_capture_on_commit_callbacks, url("package_release", run.pk))
    # then
    assert len(mail.outbox) == 2
    second = re.search(r"https?://\S+/paquet/\S+/", mail.outbox[1].body)
    assert second is not None
    assert second.group(0) != link.group(0)


# --- erasure: dry run, apply, receipt, art. 19 ----------------------------------------------------


def test_the_dry_run_review_lists_what_would_change_and_changes_nothing(
    as_dpo: Client,
    system: DataSystem,
    fides_db: Path,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    before = dump(fides_db)
    # when
    response = start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    run = last_run()
    page = as_dpo.get(url("run_detail", run.pk)).content.decode()
    # then
    assert response["Location"] == url("run_detail", run.pk)
    assert (run.kind, run.dry_run, run.status) == (RunKind.ERASURE, True, RunStatus.REVIEW)
    assert dump(fides_db) == before
    assert ErasureJournalEntry.objects.count() == 0
    assert not RecipientNotification.objects.exists()
    assert "Ce que l&#x27;effacement changerait" in page or "Ce que l'effacement changerait" in page
    assert f"fides \u203a <code>{EXAMPLE_KEY}</code> \u203a customer" in page
    assert "<code>email</code> : Empreinte à clé (HMAC-SHA-256)" in page
    assert "<code>name</code> : Vider (valeur nulle)" in page
    assert "c*** (22 chars)" in page  # the old e-mail, masked
    assert url("erasure_apply", run.pk) in page


def test_applying_without_confirming_is_refused_and_changes_nothing(
    as_dpo: Client,
    system: DataSystem,
    fides_db: Path,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    dry_run = last_run()
    before = dump(fides_db)
    events = dsr_audit_count()
    # when
    response = post(as_dpo, django_capture_on_commit_callbacks, url("erasure_apply", dry_run.pk))
    # then
    assert response.status_code == 400
    assert "Cochez la case pour confirmer" in response.content.decode()
    assert FulfilmentRun.objects.count() == 1
    dry_run.refresh_from_db()
    assert "applied_run" not in dry_run.result
    assert dump(fides_db) == before
    assert dsr_audit_count() == events


def test_apply_erases_signs_a_receipt_and_opens_closable_tasks(
    as_dpo: Client,
    register: dict[str, Any],
    fides_db: Path,
    req: Request,
    dpo: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    dry_run = last_run()
    # when
    response = post(
        as_dpo,
        django_capture_on_commit_callbacks,
        url("erasure_apply", dry_run.pk),
        {"confirm": "on"},
    )
    # then: a new, applied run, for the same person and request
    applied = last_run()
    assert response["Location"] == url("run_detail", applied.pk)
    assert (applied.kind, applied.dry_run, applied.status) == (
        RunKind.ERASURE,
        False,
        RunStatus.APPLIED,
    )
    assert (applied.request, applied.identities) == (req, {"email": EMAIL})
    dry_run.refresh_from_db()
    assert dry_run.result["applied_run"] == applied.pk
    row = customer(fides_db)
    assert row["name"] is None
    assert row["email"] != EMAIL
    assert len(row["email"]) == 64  # the keyed hash
    # the receipt, as downloaded, verifies with Garde's public key
    receipt = as_dpo.get(url("receipt_download", applied.pk))
    document = json.loads(receipt.content)
    assert set(document) == {"payload", "signature", "key_id"}
    public_key = as_dpo.get(reverse("dsr_runs:receipt_key")).content.decode()
    assert receipt_verify(document["payload"], document["signature"], public_key) is True
    assert receipt_verify(document["payload"] + " ", document["signature"], public_key) is False
    assert AuditEvent.objects.filter(action="dsr.receipt_downloaded").count() == 1
    # the art. 19 tasks are listed, each with its close form
    page = as_dpo.get(url("run_detail", applied.pk)).content.decode()
    tasks = list(RecipientNotification.objects.filter(run=applied).order_by("recipient_name"))
    assert [t.recipient_name for t in tasks] == ["Banque", "Routeur d'e-mails", "Éditeur du CRM"]
    for task in tasks:
        assert f'<tr id="notification-{task.pk}">' in page
    assert page.count('name="notification"') == 3
    assert "Simulation vérifiée" in page


def test_a_task_is_closed_done_or_not_done_with_a_reason(
    as_dpo: Client,
    register: dict[str, Any],
    req: Request,
    dpo: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    post(
        as_dpo,
        django_capture_on_commit_callbacks,
        url("erasure_apply", last_run().pk),
        {"confirm": "on"},
    )
    applied = last_run()
    first, second, _third = RecipientNotification.objects.filter(run=applied).order_by("pk")
    close = url("notification_close", applied.pk)
    events = dsr_audit_count()
    # when: not done without a reason
    refused = as_dpo.post(close, {"notification": second.pk, f"n{second.pk}-outcome": "not_done"})
    # then
    assert refused.status_code == 400
    assert "Donnez la raison" in refused.content.decode()
    second.refresh_from_db()
    assert second.status == NotificationStatus.OPEN
    assert dsr_audit_count() == events
    # when
    done = as_dpo.post(close, {"notification": first.pk, f"n{first.pk}-outcome": "done"})
    not_done = as_dpo.post(
        close,
        {
            "notification": second.pk,
            f"n{second.pk}-outcome": "not_done",
            f"n{second.pk}-reason": "Effort disproportionné",
        },
    )
    # then
    assert (done.status_code, not_done.status_code) == (302, 302)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.closed_by, first.reason) == (NotificationStatus.DONE, dpo, "")
    assert (second.status, second.reason) == (
        NotificationStatus.NOT_DONE,
        "Effort disproportionné",
    )
    # when: a task of another run, or closed already
    again = as_dpo.post(close, {"notification": first.pk, f"n{first.pk}-outcome": "done"})
    unknown = as_dpo.post(close, {"notification": 999999, "n999999-outcome": "done"})
    # then
    assert again.status_code == 400
    assert unknown.status_code == 400
    assert AuditEvent.objects.filter(action="dsr.notification_closed").count() == 2


def test_a_dry_run_is_never_applied_twice(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    dry_run = last_run()
    apply = url("erasure_apply", dry_run.pk)
    post(as_dpo, django_capture_on_commit_callbacks, apply, {"confirm": "on"})
    applied = last_run()
    runs = FulfilmentRun.objects.count()
    journal = ErasureJournalEntry.objects.count()
    events = dsr_audit_count()
    # when
    second = post(as_dpo, django_capture_on_commit_callbacks, apply, {"confirm": "on"})
    # then
    assert second.status_code == 409
    html = second.content.decode()
    assert f"Cette simulation a déjà été appliquée (exécution n° {applied.pk})." in html
    assert f'action="{url("erasure_apply", dry_run.pk)}"' not in html  # no button any more
    assert FulfilmentRun.objects.count() == runs
    assert ErasureJournalEntry.objects.count() == journal
    assert dsr_audit_count() == events


def test_the_receipt_is_mailed_to_the_requester(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    post(
        as_dpo,
        django_capture_on_commit_callbacks,
        url("erasure_apply", last_run().pk),
        {"confirm": "on"},
    )
    applied = last_run()
    mail.outbox.clear()
    # when
    response = post(as_dpo, django_capture_on_commit_callbacks, url("receipt_send", applied.pk))
    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert req.reference in message.subject
    attachments = {name: content for name, content, _type in message.attachments}
    assert set(attachments) == {"receipt.json", "garde-public-key.pem"}
    document = json.loads(attachments["receipt.json"])
    key = attachments["garde-public-key.pem"]
    key_text = key.decode() if isinstance(key, bytes) else key
    assert receipt_verify(document["payload"], document["signature"], key_text) is True
    assert AuditEvent.objects.filter(action="dsr.erasure_receipt_sent").count() == 1
    page = as_dpo.get(url("run_detail", applied.pk)).content.decode()
    assert "Dernier envoi au demandeur" in page


def test_a_dry_run_has_no_receipt_to_send(
    as_dpo: Client,
    system: DataSystem,
    req: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    start(as_dpo, django_capture_on_commit_callbacks, req, "erasure")
    dry_run = last_run()
    events = dsr_audit_count()
    # when
    response = post(as_dpo, django_capture_on_commit_callbacks, url("receipt_send", dry_run.pk))
    # then
    assert response.status_code == 409
    assert mail.outbox == []
    assert dsr_audit_count() == events


# --- rectification and restriction --------------------------------------------------------------


def test_rectification_from_the_request_sets_the_value_and_opens_tasks(
    client: Client,
    register: dict[str, Any],
    fides_db: Path,
    dpo: User,
) -> None:
    # given
    log_in(client, dpo)
    request = rights_request(dpo, [Right.RECTIFICATION])
    path = url("request_rectification", request.pk)
    target = f"{EXAMPLE_KEY}:customer:email"
    form = client.get(path).content.decode()
    # when
    response = client.post(
        path, {"target": target, "primary_key": "id=1", "value": "jane@example.org"}
    )
    # then
    run = last_run()
    assert f'<option value="{target}">' in form
    assert response["Location"] == url("run_detail", run.pk)
    assert (run.kind, run.status, run.request) == (
        RunKind.RECTIFICATION,
        RunStatus.APPLIED,
        request,
    )
    assert customer(fides_db)["email"] == "jane@example.org"
    tasks = sorted(
        RecipientNotification.objects.filter(run=run).values_list("recipient_name", flat=True)
    )
    assert tasks == ["Routeur d'e-mails", "Éditeur du CRM"]
    page = client.get(url("run_detail", run.pk)).content.decode()
    assert "Données rectifiées" in page
    assert page.count('name="notification"') == 2


def test_a_refused_rectification_leaves_nothing_behind(
    client: Client, system: DataSystem, fides_db: Path, dpo: User
) -> None:
    # given
    log_in(client, dpo)
    request = rights_request(dpo, [Right.RECTIFICATION])
    path = url("request_rectification", request.pk)
    before = dump(fides_db)
    # when
    no_row = client.post(
        path, {"target": f"{EXAMPLE_KEY}:customer:name", "primary_key": "id=99", "value": "X"}
    )
    bad_key = client.post(
        path, {"target": f"{EXAMPLE_KEY}:customer:name", "primary_key": "id", "value": "X"}
    )
    too_long = client.post(
        path, {"target": f"{EXAMPLE_KEY}:customer:name", "primary_key": "id=1", "value": "x" * 41}
    )
    # then
    assert (no_row.status_code, bad_key.status_code, too_long.status_code) == (400, 400, 400)
    assert "no row with this primary key" in no_row.content.decode()
    assert "Ligne 1 : attendu champ=valeur" in bad_key.content.decode()
    assert "longer than the field" in too_long.content.decode()
    assert not FulfilmentRun.objects.exists()
    assert ErasureJournalEntry.objects.count() == 0
    assert dump(fides_db) == before


def test_restriction_from_the_request_then_lifted(
    client: Client, register: dict[str, Any], dpo: User
) -> None:
    # given
    log_in(client, dpo)
    request = rights_request(dpo, [Right.RESTRICTION])
    path = url("request_restriction", request.pk)
    # when
    response = client.post(
        path, {"identity_type": "email", "identity_value": EMAIL, "reason": "Exactitude contestée"}
    )
    # then
    run = last_run()
    assert response["Location"] == url("run_detail", run.pk)
    assert (run.kind, run.request) == (RunKind.RESTRICTION, request)
    assert restriction_active(identity_type="email", identity_value=EMAIL) is True
    assert RecipientNotification.objects.filter(run=run).count() == 3
    restriction = ProcessingRestriction.objects.get()
    # when: lifted
    lift = client.post(
        url("request_restriction_lift", request.pk),
        {"restriction": restriction.pk, f"r{restriction.pk}-reason": "Exactitude vérifiée"},
    )
    # then
    assert lift["Location"] == path
    assert restriction_active(identity_type="email", identity_value=EMAIL) is False
    # when: lifted again, refused
    again = client.post(
        url("request_restriction_lift", request.pk), {"restriction": restriction.pk}
    )
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="dsr.restriction_lifted").count() == 1


def test_support_reaches_neither_rectification_nor_restriction(
    client: Client, system: DataSystem, dpo: User, support: User
) -> None:
    # given
    request = rights_request(dpo, [Right.RECTIFICATION, Right.RESTRICTION])
    request_services.request_assign(request=request, assignee=support, actor=dpo)
    log_in(client, support)
    # when
    rectify = client.post(
        url("request_rectification", request.pk),
        {"target": f"{EXAMPLE_KEY}:customer:name", "primary_key": "id=1", "value": "X"},
    )
    restrict = client.post(
        url("request_restriction", request.pk), {"identity_type": "email", "identity_value": EMAIL}
    )
    # then
    assert (rectify.status_code, restrict.status_code) == (403, 403)
    assert not FulfilmentRun.objects.exists()
    assert not ProcessingRestriction.objects.exists()


# --- the list -----------------------------------------------------------------------------------


def test_the_run_list_filters_and_has_a_fixed_number_of_queries(
    as_dpo: Client,
    dpo: User,
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    # given: runs of several requests and one from the command line
    for index in range(4):
        request = rights_request(dpo, [Right.ACCESS], requester_email=f"p{index}@example.org")
        FulfilmentRun.objects.create(
            kind=RunKind.ACCESS, status=RunStatus.REVIEW, request=request, created_by=dpo
        )
    FulfilmentRun.objects.create(kind=RunKind.ERASURE, status=RunStatus.QUEUED, dry_run=True)
    list_url = reverse("dsr_runs:run_list")
    as_dpo.get(list_url)  # the session and the user's roles, warmed like on any page
    # when / then: session, user, roles, count, page
    with django_assert_num_queries(5):  # type: ignore[operator]
        everything = as_dpo.get(list_url)
    with django_assert_num_queries(5):  # type: ignore[operator]
        erasures = as_dpo.get(list_url, {"kind": "erasure"})
    assert everything.status_code == 200
    assert len(everything.context["rows"]) == 5
    assert [run.kind for run, _k, _s in erasures.context["rows"]] == [RunKind.ERASURE]
    assert "ligne de commande" in erasures.content.decode()
