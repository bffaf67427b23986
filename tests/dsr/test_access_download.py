"""Access runs and their packages (issue 5, item 5): stored encrypted, released through an
expiring, audited download link, purged after the configured period."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from garde.accounts.models import User
from garde.core.crypto import decrypt_bytes
from garde.core.deadlines import PARIS
from garde.core.errors import GardeError
from garde.core.models import AuditEvent
from garde.dsr.access import (
    PackageExpiredError,
    PackageUnknownError,
    access_package_download,
    access_package_release,
    access_packages_purge,
    access_run_create,
    access_run_execute,
    package_path,
)
from garde.dsr.choices import RunStatus
from garde.dsr.models import AccessPackage, DataSystem, FulfilmentRun
from garde.register.selectors import PublishedRetentionRule
from garde.requests import services as request_services
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right
from garde.requests.models import Request
from garde.retention.registry import ActiveHolds, registry
from tests.dsr.fides_fixture import EXAMPLE_KEY, FIDES_COUNTS
from tests.dsr.test_access_package import (  # noqa: F401 -- fixtures
    EMAIL,
    SYSTEM,
    _fresh_register_cache,
    broken_crm,
    fides_system,
    published,
    sqlite_db,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 4, 1, 10, 0, tzinfo=PARIS)


def at(value: datetime) -> Any:
    return time_machine.travel(value, tick=False)


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo")


@pytest.fixture
def rights_request(dpo: User) -> Request:
    with at(START - timedelta(days=2)):
        request, _token = request_services.request_submit(
            kind=RequestKind.RIGHTS,
            channel=Channel.POST,
            requester_name="John Customer",
            requester_email="requester@example.org",
            requester_relation=RequesterRelation.OPERATOR_DATA,
            description="Une copie de mes données",
            rights=[Right.ACCESS],
            entered_by=dpo,
            language="en",
        )
    return request


@pytest.fixture
def ready_run(fides_system: DataSystem, dpo: User, rights_request: Request) -> FulfilmentRun:  # noqa: F811
    with at(START):
        run = access_run_create(
            identities={"email": EMAIL}, actor=dpo, request=rights_request, language="en"
        )
        return access_run_execute(run=run)


def package_of(run: FulfilmentRun) -> AccessPackage:
    return AccessPackage.objects.get(run=run)


def release(run: FulfilmentRun, actor: User, capture: Any) -> str:
    with at(START + timedelta(hours=1)), capture(execute=True):
        return access_package_release(run=run, actor=actor)


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


# --- create -------------------------------------------------------------------------------


def test_create_normalises_the_email_and_audits_the_types_only(
    fides_system: DataSystem,  # noqa: F811
    dpo: User,
) -> None:
    # when
    run = access_run_create(identities={"email": "  Customer-1@Example.COM "}, actor=dpo)
    # then
    assert run.status == RunStatus.QUEUED
    assert run.identities == {"email": EMAIL}
    event = AuditEvent.objects.get(action="dsr.access_run_created")
    assert event.details == {"identity_types": ["email"], "request": None, "language": "fr"}
    assert EMAIL not in json.dumps(event.details)


@pytest.mark.parametrize(
    ("identities", "field", "code"),
    [
        ({}, "identities", "dsr_identity_missing"),
        ({"phone_number": "+33 6"}, "identities.phone_number", "dsr_identity_unknown"),
        ({"email": "not-an-address"}, "identities.email", "dsr_identity_invalid"),
        ({"email": "  "}, "identities.email", "dsr_identity_empty"),
    ],
)
def test_create_refuses_bad_identities_naming_the_field(
    fides_system: DataSystem,  # noqa: F811
    identities: dict[str, str],
    field: str,
    code: str,
) -> None:
    # when
    with pytest.raises(GardeError) as caught:
        access_run_create(identities=identities, actor=None)
    # then
    assert (caught.value.field, caught.value.code) == (field, code)
    assert FulfilmentRun.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="dsr.access").exists()


def test_unknown_identity_message_lists_the_known_types(fides_system: DataSystem) -> None:  # noqa: F811
    with pytest.raises(GardeError, match="les jeux de données importés connaissent email"):
        access_run_create(identities={"loyalty_id": "CH-1"}, actor=None)


# --- execute ------------------------------------------------------------------------------


def test_execute_leaves_the_run_in_review_with_counts_and_an_expiring_package(
    ready_run: FulfilmentRun, settings: Any
) -> None:
    # then
    run = FulfilmentRun.objects.get(pk=ready_run.pk)
    assert run.status == RunStatus.REVIEW
    assert (run.progress_done, run.progress_total, run.progress_percent) == (3, 3, 100)
    assert run.result["counts"] == {SYSTEM: {EXAMPLE_KEY: FIDES_COUNTS}}
    assert run.result["rows"] == sum(FIDES_COUNTS.values())
    assert run.result["failures"] == []
    assert run.result["complete"] is True
    package = package_of(run)
    assert package.expires_at == START + timedelta(days=settings.GARDE_DSR_PACKAGE_DAYS)
    assert package.token_hash == ""
    assert package_path(package).parent == settings.PRIVATE_DIR / "dsr"
    assert [
        e.action for e in AuditEvent.objects.filter(action__startswith="dsr.access").order_by("id")
    ] == [
        "dsr.access_run_created",
        "dsr.access_run_completed",
    ]


def test_the_stored_package_is_encrypted(ready_run: FulfilmentRun) -> None:
    # given
    stored = package_path(package_of(ready_run)).read_bytes()
    # then: nothing readable at rest; Garde's key opens it
    assert EMAIL.encode() not in stored
    assert b"data.json" not in stored
    plain = decrypt_bytes(stored)
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        data = json.loads(zf.read("data.json"))
        html = zf.read("index.html").decode()
    assert data[SYSTEM][EXAMPLE_KEY]["customer"][0]["email"] == EMAIL
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')  # the run's language
    assert f"Reference of your request: {ready_run.request.reference}." in html  # type: ignore[union-attr]


def test_a_failed_system_leaves_the_run_in_review_with_the_failure(
    fides_system: DataSystem,  # noqa: F811
    broken_crm: DataSystem,  # noqa: F811
) -> None:
    # given
    run = access_run_create(identities={"email": EMAIL}, actor=None)
    # when
    run = access_run_execute(run=run)
    # then
    assert run.status == RunStatus.REVIEW
    assert run.result["complete"] is False
    assert [(f["system"], f["collection"], f["kind"]) for f in run.result["failures"]] == [
        ("crm", "contacts", "unavailable")
    ]
    assert run.result["counts"] == {SYSTEM: {EXAMPLE_KEY: FIDES_COUNTS}}


def test_execute_twice_does_nothing_the_second_time(ready_run: FulfilmentRun) -> None:
    # given
    package = package_of(ready_run)
    # when
    again = access_run_execute(run=ready_run)
    # then
    assert again.status == RunStatus.REVIEW
    assert package_of(again).pk == package.pk
    assert AccessPackage.objects.count() == 1


# --- release and download -----------------------------------------------------------------


def test_release_mails_the_requester_a_link_in_their_language(
    ready_run: FulfilmentRun, dpo: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    mail.outbox.clear()
    # when
    url = release(ready_run, dpo, django_capture_on_commit_callbacks)
    # then
    assert url == f"{settings.BASE_URL}/en/paquet/{token_of(url)}/"
    run = FulfilmentRun.objects.get(pk=ready_run.pk)
    assert (run.status, run.released_by) == (RunStatus.RELEASED, dpo)
    package = package_of(run)
    assert len(package.token_hash) == 64
    assert token_of(url) not in package.token_hash
    (message,) = [m for m in mail.outbox if url in m.body]
    assert message.to == ["requester@example.org"]
    assert "May 1, 2026" in message.body  # START + 30 days, in English
    event = AuditEvent.objects.get(action="dsr.package_released")
    assert event.details["emailed"] is True
    assert token_of(url) not in json.dumps(event.details)


def test_each_download_is_counted_and_audited_but_opening_the_link_is_not(
    ready_run: FulfilmentRun,
    dpo: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    token = token_of(release(ready_run, dpo, django_capture_on_commit_callbacks))
    # when: a link preview opens the page, then the person downloads twice
    with at(START + timedelta(days=1)):
        page = client.get(f"/paquet/{token}/")
        first = client.post(f"/paquet/{token}/telecharger/", REMOTE_ADDR="203.0.113.7")
        second = client.get(f"/paquet/{token}/telecharger/", REMOTE_ADDR="203.0.113.8")
    # then
    assert page.status_code == 200
    assert f'action="/paquet/{token}/telecharger/"' in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    for response in (first, second):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Cache-Control"].startswith("no-store, private")
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            assert "data.json" in zf.namelist()
    package = package_of(ready_run)
    assert package.download_count == 2
    events = AuditEvent.objects.filter(action="dsr.package_downloaded").order_by("id")
    assert [(e.source_ip, e.details["download"]) for e in events] == [
        ("203.0.113.7", 1),
        ("203.0.113.8", 2),
    ]
    assert all(token not in json.dumps(e.details) for e in events)


def test_the_link_expires(
    ready_run: FulfilmentRun,
    dpo: User,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    token = token_of(release(ready_run, dpo, django_capture_on_commit_callbacks))
    after = START + timedelta(days=settings.GARDE_DSR_PACKAGE_DAYS, seconds=1)
    # when
    with at(after):
        page = client.get(f"/paquet/{token}/")
        download = client.post(f"/paquet/{token}/telecharger/")
        with pytest.raises(PackageExpiredError) as caught:
            access_package_download(token=token, ip=None)
    # then: 410 with a clear page, nothing counted or audited
    assert (page.status_code, download.status_code) == (410, 410)
    assert "Ce lien a expiré" in download.content.decode()
    assert caught.value.code == "dsr_package_expired"
    assert package_of(ready_run).download_count == 0
    assert not AuditEvent.objects.filter(action="dsr.package_downloaded").exists()


def test_an_unknown_or_replaced_link_is_not_found(
    ready_run: FulfilmentRun,
    dpo: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the link is sent again; the first one stops working
    first = token_of(release(ready_run, dpo, django_capture_on_commit_callbacks))
    second = token_of(release(ready_run, dpo, django_capture_on_commit_callbacks))
    # when
    with at(START + timedelta(days=1)):
        old = client.get(f"/paquet/{first}/")
        unknown = client.post("/paquet/nope/telecharger/")
        with pytest.raises(PackageUnknownError):
            access_package_download(token=first, ip=None)
        current = client.get(f"/paquet/{second}/")
    # then
    assert (old.status_code, unknown.status_code, current.status_code) == (404, 404, 200)
    assert "Ce lien n'est pas valide" in unknown.content.decode()
    assert package_of(ready_run).download_count == 0


def test_a_run_not_ready_cannot_be_released(
    fides_system: DataSystem,  # noqa: F811
    dpo: User,
) -> None:
    # given
    run = access_run_create(identities={"email": EMAIL}, actor=dpo)
    # when
    with pytest.raises(GardeError) as caught:
        access_package_release(run=run, actor=dpo)
    # then
    assert caught.value.code == "dsr_run_not_ready"
    assert FulfilmentRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    assert not AuditEvent.objects.filter(action="dsr.package_released").exists()


# --- purge --------------------------------------------------------------------------------


def test_purge_deletes_expired_files_and_clears_the_identities(
    ready_run: FulfilmentRun,
    dpo: User,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    token = token_of(release(ready_run, dpo, django_capture_on_commit_callbacks))
    path = package_path(package_of(ready_run))
    days = settings.GARDE_DSR_PACKAGE_DAYS
    # when: the day before expiry nothing goes; after it, the package does
    before = access_packages_purge(START + timedelta(days=days - 1))
    assert path.exists()
    with at(START + timedelta(days=days, hours=1)):
        purged = access_packages_purge()
        again = access_packages_purge()
        page = client.get(f"/paquet/{token}/")
    # then
    assert (before, purged, again) == (0, 1, 0)
    assert not path.exists()
    package = package_of(ready_run)
    assert package.purged_at == START + timedelta(days=days, hours=1)
    run = FulfilmentRun.objects.get(pk=ready_run.pk)
    assert run.identities == {}
    assert run.identities_cleared_at == package.purged_at
    assert page.status_code == 404
    assert AuditEvent.objects.filter(action="dsr.package_purged").count() == 1


def test_the_retention_handler_purges_packages_by_the_published_rule(
    ready_run: FulfilmentRun,
) -> None:
    # given
    handler = registry.get("dsr.access_packages")
    assert handler is not None
    rule = PublishedRetentionRule(
        key="access-packages",
        activity_slug="rights-requests",
        description_fr="Copies de données",
        description_en="Data copies",
        count=30,
        unit="days",
        anchor="collection",
        store="dsr.access_packages",
        data_category=None,
        legal_reference="",
        not_stated=False,
    )
    package = package_of(ready_run)
    # when
    early = list(handler.due(rule=rule, cutoff=START, holds=ActiveHolds()))
    due = list(handler.due(rule=rule, cutoff=START + timedelta(seconds=1), holds=ActiveHolds()))
    erased = handler.erase(due[0].pks)
    later = list(handler.due(rule=rule, cutoff=START + timedelta(days=1), holds=ActiveHolds()))
    # then
    assert early == []
    assert due[0].pks == [package.pk]
    assert erased == 1
    assert later == []
    assert not package_path(package).exists()
    assert FulfilmentRun.objects.get(pk=ready_run.pk).identities == {}
    assert handler.supports_anchor("event")
