"""Erasure runs on a SQLite copy of Fides' example database (issue 5, item 6): the dry run
changes nothing, applying masks exactly the targeted fields, the journal, the signed receipt,
legal keeps, art. 19 tasks, rectification and restriction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from garde.accounts.models import User
from garde.core.errors import GardeError
from garde.core.models import AuditEvent
from garde.dsr.choices import NotificationStatus, RunKind, RunStatus
from garde.dsr.erasure import (
    ErasureError,
    erasure_run_create,
    erasure_run_execute,
    hmac_key,
    mask_value,
    notification_close,
    rectification_apply,
    restriction_create,
    restriction_lift,
)
from garde.dsr.models import (
    DataSystem,
    ErasureJournalEntry,
    ErasureReceipt,
    FulfilmentRun,
    LegalKeep,
    RecipientNotification,
)
from garde.dsr.receipts import identities_digest, receipt_verify
from garde.dsr.selectors import restriction_active
from garde.dsr.services import dataset_import, system_add
from garde.dsr.spec import FieldSpec
from garde.register.models import DataCategory
from garde.register.services.publishing import register_publish
from tests.dsr.fides_fixture import (
    EXAMPLE_KEY,
    EXAMPLE_YAML,
    EXTENDED_KEY,
    EXTENDED_YAML,
    fides_sqlite_script,
)
from tests.register.console_factories import ProcessingActivityFactory, RecipientFactory

pytestmark = pytest.mark.django_db

EMAIL = "customer-1@example.com"
Cells = dict[tuple[str, int], dict[str, Any]]  # (table, rowid) -> row


def fides_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.executescript(fides_sqlite_script())
    connection.close()
    return path


def fides_system(path: Path, name: str = "fides") -> DataSystem:
    """Fides' example dataset imported unchanged, on a SQLite system at ``path``."""
    dataset_import(
        text=EXAMPLE_YAML.read_text(encoding="utf-8"), filename=EXAMPLE_YAML.name, actor=None
    )
    return system_add(
        name=name, type="sqlite", url=f"sqlite:///{path}", actor=None, datasets=[EXAMPLE_KEY]
    )


def dump(path: Path) -> Cells:
    """Every row of every table, by table and rowid."""
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        cells: Cells = {}
        for table in tables:
            for row in connection.execute(f'SELECT rowid AS "_rowid", * FROM "{table}"'):  # noqa: S608
                data = dict(row)
                cells[(table, data.pop("_rowid"))] = data
        return cells
    finally:
        connection.close()


def changed_cells(before: Cells, after: Cells) -> dict[tuple[str, int, str], Any]:
    """(table, rowid, column) -> new value, for every cell that changed; deleted rows as
    (table, rowid, "*") -> None."""
    changes: dict[tuple[str, int, str], Any] = {}
    for key, row in before.items():
        if key not in after:
            changes[(*key, "*")] = None
            continue
        for column, value in row.items():
            if after[key][column] != value:
                changes[(*key, column)] = after[key][column]
    assert set(after) <= set(before), "no row may appear"
    return changes


def rowid(path: Path, table: str, where: str, *params: object) -> int:
    connection = sqlite3.connect(path)
    try:
        (value,) = connection.execute(
            f'SELECT rowid FROM "{table}" WHERE {where}',  # noqa: S608
            params,
        ).fetchone()
        return int(value)
    finally:
        connection.close()


def hashed(value: str) -> str:
    result = mask_value(
        strategy="hash",
        spec_field=FieldSpec(name="e", path=("e",), data_type="string"),
        old=value,
        key=hmac_key(),
    )
    assert isinstance(result, str)
    return result


def erase(*, dry_run: bool, **identities: str) -> FulfilmentRun:
    run = erasure_run_create(identities=identities or {"email": EMAIL}, actor=None, dry_run=dry_run)
    return erasure_run_execute(run=run)


@pytest.fixture
def fides_db(tmp_path: Path) -> Path:
    return fides_sqlite(tmp_path / "fides.sqlite3")


@pytest.fixture
def system(fides_db: Path) -> DataSystem:
    return fides_system(fides_db)


def expected_changes(path: Path) -> dict[tuple[str, int, str], Any]:
    """What the default policies change for customer 1: e-mails hashed (user.contact.email),
    everything else personal set to null; keys, references and system.operations untouched."""
    customer = rowid(path, "customer", "id = 1")
    card = rowid(path, "payment_card", "id = 'pay_aaa-aaa'")
    request = rowid(path, "service_request", "id = 'ser_aaa-aaa'")
    changes: dict[tuple[str, int, str], Any] = {
        ("customer", customer, "email"): hashed(EMAIL),
        ("customer", customer, "name"): None,
        ("service_request", request, "alt_email"): hashed("customer-1-alt@example.com"),
    }
    for address_id in (1, 2):
        row = rowid(path, "address", "id = ?", address_id)
        for column in ("house", "street", "city", "state", "zip"):
            changes[("address", row, column)] = None
    for login_id in range(1, 7):
        changes[("login", rowid(path, "login", "id = ?", login_id), "time")] = None
    for column in ("name", "ccn", "code", "preferred"):
        changes[("payment_card", card, column)] = None
    return changes


# --- dry run ---------------------------------------------------------------------------------


def test_the_dry_run_changes_nothing_and_lists_exactly_what_would_change(
    system: DataSystem, fides_db: Path
) -> None:
    # given
    before = dump(fides_db)
    # when
    run = erase(dry_run=True)
    # then
    assert dump(fides_db) == before
    assert run.status == RunStatus.REVIEW
    assert ErasureJournalEntry.objects.count() == 0
    assert not ErasureReceipt.objects.exists()
    assert not RecipientNotification.objects.exists()
    planned = {
        e["collection"]: (
            e["action"],
            e["strategies"],
            e["rows"],
            sorted(map(str, e["primary_keys"])),
        )
        for e in run.result["collections"]
    }
    assert planned == {
        "customer": ("mask", {"email": "hash", "name": "null"}, 1, ["{'id': 1}"]),
        "address": (
            "mask",
            {"city": "null", "house": "null", "state": "null", "street": "null", "zip": "null"},
            2,
            ["{'id': 1}", "{'id': 2}"],
        ),
        "login": ("mask", {"time": "null"}, 6, [f"{{'id': {i}}}" for i in range(1, 7)]),
        "payment_card": (
            "mask",
            {"ccn": "null", "code": "null", "name": "null", "preferred": "null"},
            1,
            ["{'id': 'pay_aaa-aaa'}"],
        ),
        "service_request": ("mask", {"alt_email": "hash"}, 1, ["{'id': 'ser_aaa-aaa'}"]),
    }
    assert run.result["counts"] == {"rows_masked": 11, "rows_deleted": 0}


def test_the_dry_run_result_never_holds_old_values_in_clear(system: DataSystem) -> None:
    # when
    run = erase(dry_run=True)
    # then
    text = json.dumps(run.result)
    for secret in ("customer-1-alt@example.com", "John Customer", "Example Street", "123456789"):
        assert secret not in text
    (customer,) = [e for e in run.result["collections"] if e["collection"] == "customer"]
    assert customer["preview"] == [
        {
            "primary_key": {"id": 1},
            "fields": {
                "email": {"old": "c*** (22 chars)", "new": hashed(EMAIL)},
                "name": {"old": "J*** (13 chars)", "new": None},
            },
        }
    ]


def test_a_collection_without_primary_key_is_listed_as_cannot_be_targeted(
    system: DataSystem,
) -> None:
    # when
    run = erase(dry_run=True)
    # then
    (visit,) = [k for k in run.result["kept"] if k["collection"] == "visit"]
    assert visit["kind"] == "no_primary_key"
    assert visit["rows"] == 1
    assert visit["fields"] == ["email"]
    assert visit["reason_en"].startswith("Cannot be targeted")


# --- apply -----------------------------------------------------------------------------------


def test_applying_masks_exactly_the_targeted_fields_and_nothing_else(
    system: DataSystem, fides_db: Path
) -> None:
    # given
    before = dump(fides_db)
    # when
    run = erase(dry_run=False)
    # then
    assert run.status == RunStatus.APPLIED, run.error
    assert run.result["complete"] is True
    assert changed_cells(before, dump(fides_db)) == expected_changes(fides_db)
    assert run.result["counts"] == {"rows_masked": 11, "rows_deleted": 0}


def test_applying_writes_one_journal_entry_per_action_without_old_values(
    system: DataSystem,
) -> None:
    # when
    run = erase(dry_run=False)
    # then
    entries = list(ErasureJournalEntry.objects.order_by("sequence"))
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    summary = sorted(
        (e.collection, e.deleted, e.rows_changed, len(e.primary_keys)) for e in entries
    )
    assert summary == [
        ("address", False, 2, 2),
        ("customer", False, 1, 1),
        ("login", False, 6, 6),
        ("payment_card", False, 1, 1),
        ("service_request", False, 1, 1),
    ]
    customer = next(e for e in entries if e.collection == "customer")
    assert customer.run == run
    assert customer.system == "fides"
    assert customer.dataset == EXAMPLE_KEY
    assert customer.primary_keys == [{"id": 1}]
    assert customer.updates == {"email": hashed(EMAIL), "name": None}
    assert EMAIL not in json.dumps([[e.primary_keys, e.updates] for e in entries])
    audited = AuditEvent.objects.filter(action="dsr.erasure_journal_entry").count()
    assert audited == len(entries)
    assert (
        AuditEvent.objects.filter(action="dsr.erasure_applied", object_id=str(run.pk)).count() == 1
    )


def test_a_second_erasure_reaches_only_what_the_dataset_calls_non_personal(
    system: DataSystem, fides_db: Path
) -> None:
    # given
    erase(dry_run=False)
    after_first = dump(fides_db)
    # when
    again = erase(dry_run=False)
    # then: e-mails are hashed, so the identity no longer reaches the customer; only
    # service_request is still found, through its ``email`` column that Fides' dataset
    # categorises ``system.operations`` (not personal, so never masked)
    assert [e["collection"] for e in again.result["collections"]] == ["service_request"]
    row = rowid(fides_db, "service_request", "id = 'ser_aaa-aaa'")
    assert set(changed_cells(after_first, dump(fides_db))) == {
        ("service_request", row, "alt_email")
    }


def test_a_delete_policy_deletes_the_rows(system: DataSystem, fides_db: Path) -> None:
    # given
    from garde.dsr.models import ErasurePolicy

    ErasurePolicy.objects.update_or_create(
        data_category="user.sensor", defaults={"strategy": "delete"}
    )
    before = dump(fides_db)
    # when
    run = erase(dry_run=False)
    # then
    deleted = {k for k, v in changed_cells(before, dump(fides_db)).items() if k[2] == "*"}
    assert deleted == {("login", rowid_, "*") for rowid_ in range(1, 7)}
    assert run.result["counts"]["rows_deleted"] == 6
    entry = ErasureJournalEntry.objects.get(collection="login")
    assert entry.deleted is True
    assert entry.updates is None


# --- receipt ---------------------------------------------------------------------------------


def test_the_receipt_is_signed_and_a_tampered_payload_fails(system: DataSystem) -> None:
    # when
    run = erase(dry_run=False)
    # then
    receipt = ErasureReceipt.objects.get(run=run)
    assert receipt_verify(receipt.payload, receipt.signature) is True
    tampered = receipt.payload.replace('"rows_masked":6', '"rows_masked":0')
    assert tampered != receipt.payload
    assert receipt_verify(tampered, receipt.signature) is False
    payload = json.loads(receipt.payload)
    assert EMAIL not in receipt.payload
    assert payload["identities_sha256"] == identities_digest(
        {"email": EMAIL}, payload["identities_salt"]
    )
    assert payload["run"] == run.pk
    assert payload["complete"] is True
    assert payload["erased"] == [
        {
            "system": "fides",
            "dataset": EXAMPLE_KEY,
            "collection": c,
            "rows_masked": n,
            "rows_deleted": 0,
        }
        for c, n in [
            ("address", 2),
            ("customer", 1),
            ("login", 6),
            ("payment_card", 1),
            ("service_request", 1),
        ]
    ]
    assert receipt.key_id == payload["key_id"]


# --- legal keeps -----------------------------------------------------------------------------


def test_a_legal_keep_is_left_untouched_and_listed_with_its_reason(
    system: DataSystem, fides_db: Path
) -> None:
    # given
    LegalKeep.objects.create(
        dataset=EXAMPLE_KEY,
        collection="payment_card",
        reason_fr="Pièces comptables",
        reason_en="Accounting records",
        legal_basis="Code de commerce art. L123-22",
    )
    before = dump(fides_db)
    # when
    run = erase(dry_run=False)
    # then
    changes = changed_cells(before, dump(fides_db))
    assert not [k for k in changes if k[0] == "payment_card"]
    expected = {k: v for k, v in expected_changes(fides_db).items() if k[0] != "payment_card"}
    assert changes == expected
    (kept,) = [k for k in run.result["kept"] if k["kind"] == "legal_keep"]
    assert kept == {
        "dataset": EXAMPLE_KEY,
        "collection": "payment_card",
        "kind": "legal_keep",
        "rows": 1,
        "fields": ["ccn", "code", "customer_id", "name", "preferred"],
        "reason_fr": "Pièces comptables",
        "reason_en": "Accounting records",
        "legal_basis": "Code de commerce art. L123-22",
    }
    receipt = json.loads(ErasureReceipt.objects.get(run=run).payload)
    assert sorted(k["collection"] for k in receipt["kept"]) == ["payment_card", "visit"]


def test_the_default_legal_keeps_and_policies_are_seeded() -> None:
    from garde.dsr.models import ErasurePolicy

    keeps = {k.dataset: k for k in LegalKeep.objects.all()}
    assert set(keeps) >= {"garde_requests", "garde_connlogs", "garde_billing"}
    assert "L123-22" in keeps["garde_billing"].legal_basis
    assert "R10-13" in keeps["garde_connlogs"].legal_basis
    assert all(k.reason_fr and k.reason_en for k in keeps.values())
    policies = dict(ErasurePolicy.objects.values_list("data_category", "strategy"))
    assert policies == {
        "user": "null",
        "user.contact": "null",
        "user.contact.email": "hash",
        "user.financial": "null",
    }


# --- partial failure -------------------------------------------------------------------------


def test_a_system_down_is_reported_and_the_rest_is_still_erased(
    system: DataSystem, fides_db: Path, tmp_path: Path
) -> None:
    # given: the extended dataset (reached by a loyalty id) lives on a system that is gone
    dataset_import(
        text=EXTENDED_YAML.read_text(encoding="utf-8"), filename=EXTENDED_YAML.name, actor=None
    )
    system_add(
        name="gone",
        type="sqlite",
        url=f"sqlite:///{tmp_path / 'missing.sqlite3'}",
        actor=None,
        datasets=[EXTENDED_KEY],
    )
    before = dump(fides_db)
    # when
    run = erase(dry_run=False, email=EMAIL, loyalty_id="CH-1")
    # then
    assert run.status == RunStatus.APPLIED
    assert run.result["complete"] is False
    assert {f["dataset"] for f in run.result["failures"]} == {EXTENDED_KEY}
    assert {f["kind"] for f in run.result["failures"]} == {"unavailable"}
    assert changed_cells(before, dump(fides_db)) == expected_changes(fides_db)
    assert json.loads(ErasureReceipt.objects.get(run=run).payload)["complete"] is False


def test_a_finished_run_is_not_executed_again(system: DataSystem) -> None:
    # given
    run = erase(dry_run=False)
    entries = ErasureJournalEntry.objects.count()
    # when
    again = erasure_run_execute(run=run)
    # then
    assert again.status == RunStatus.APPLIED
    assert ErasureJournalEntry.objects.count() == entries


def test_an_erasure_needs_an_identity() -> None:
    with pytest.raises(ErasureError) as caught:
        erasure_run_create(identities={"email": "  "}, actor=None)
    assert caught.value.code == "dsr_identity_required"
    assert not FulfilmentRun.objects.exists()


# --- art. 19 ---------------------------------------------------------------------------------


@pytest.fixture
def register(system: DataSystem) -> dict[str, Any]:
    """Three published activities: one about e-mails with two recipients, one about payment
    data with one, one about non-personal operations data (concerned by no erasure) with one.

    A category meets another when one contains the other, so an erased field categorised
    ``user`` (Fides' ``payment_card.preferred``) concerns every activity with personal data:
    art. 19 errs towards telling recipients."""
    categories = {
        k: DataCategory.objects.get(key=k)
        for k in ("user.contact.email", "user.financial", "system.operations")
    }
    mailer = RecipientFactory(name_fr="Routeur d'e-mails", name_en="Mailer")
    crm = RecipientFactory(name_fr="Éditeur du CRM", name_en="CRM vendor")
    bank = RecipientFactory(name_fr="Banque", name_en="Bank")
    lab = RecipientFactory(name_fr="Laboratoire", name_en="Lab")
    newsletter = ProcessingActivityFactory(slug="newsletter")
    newsletter.data_categories.set([categories["user.contact.email"]])
    newsletter.recipients.set([mailer, crm])
    billing = ProcessingActivityFactory(slug="billing")
    billing.data_categories.set([categories["user.financial"]])
    billing.recipients.set([bank])
    monitoring = ProcessingActivityFactory(slug="monitoring")
    monitoring.data_categories.set([categories["system.operations"]])
    monitoring.recipients.set([lab])
    register_publish(actor=None)
    return {"mailer": mailer, "crm": crm, "bank": bank, "lab": lab}


def test_erasure_opens_one_task_per_recipient_of_the_concerned_activities(
    register: dict[str, Any],
) -> None:
    # when
    run = erase(dry_run=False)
    # then
    tasks = sorted(
        (n.activity.slug if n.activity else None, n.recipient_name, n.status)
        for n in RecipientNotification.objects.filter(run=run)
    )
    assert tasks == [
        ("billing", "Banque", NotificationStatus.OPEN),
        ("newsletter", "Routeur d'e-mails", NotificationStatus.OPEN),
        ("newsletter", "Éditeur du CRM", NotificationStatus.OPEN),
    ]
    assert {n.recipient for n in RecipientNotification.objects.filter(run=run)} == {
        register["mailer"],
        register["crm"],
        register["bank"],
    }


def test_a_task_closes_as_done_or_with_a_required_reason(
    register: dict[str, Any], make_user: Callable[..., User]
) -> None:
    # given
    dpo = make_user("dpo")
    run = erase(dry_run=False)
    first, second, third = RecipientNotification.objects.filter(run=run).order_by("pk")
    events = AuditEvent.objects.filter(action="dsr.notification_closed").count()
    # when / then: no reason, refused, nothing changed
    with pytest.raises(ErasureError) as caught:
        notification_close(notification=second, actor=dpo, done=False, reason="  ")
    assert caught.value.code == "dsr_notification_reason_required"
    second.refresh_from_db()
    assert second.status == NotificationStatus.OPEN
    assert AuditEvent.objects.filter(action="dsr.notification_closed").count() == events
    # when
    notification_close(notification=first, actor=dpo, done=True, reason="")
    notification_close(notification=second, actor=dpo, done=False, reason="Disproportionate effort")
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.closed_by, first.reason) == (NotificationStatus.DONE, dpo, "")
    assert (second.status, second.reason) == (
        NotificationStatus.NOT_DONE,
        "Disproportionate effort",
    )
    assert third.status == NotificationStatus.OPEN
    with pytest.raises(ErasureError):
        notification_close(notification=first, actor=dpo, done=True)
    assert AuditEvent.objects.filter(action="dsr.notification_closed").count() == events + 2


# --- rectification and restriction ----------------------------------------------------------


def test_rectification_changes_one_field_is_journalled_and_opens_tasks(
    register: dict[str, Any], fides_db: Path
) -> None:
    # given
    before = dump(fides_db)
    # when
    run = rectification_apply(
        actor=None,
        dataset=EXAMPLE_KEY,
        collection="customer",
        primary_key={"id": 2},
        field="email",
        value="jill@example.org",
    )
    # then
    row = rowid(fides_db, "customer", "id = 2")
    assert changed_cells(before, dump(fides_db)) == {("customer", row, "email"): "jill@example.org"}
    assert run.kind == RunKind.RECTIFICATION
    assert run.status == RunStatus.APPLIED
    entry = ErasureJournalEntry.objects.get(run=run)
    assert (entry.collection, entry.primary_keys, entry.updates, entry.deleted) == (
        "customer",
        [{"id": 2}],
        {"email": "jill@example.org"},
        False,
    )
    tasks = sorted(n.recipient_name for n in RecipientNotification.objects.filter(run=run))
    assert tasks == ["Routeur d'e-mails", "Éditeur du CRM"]
    event = AuditEvent.objects.get(action="dsr.rectification_applied")
    assert "jill@example.org" not in json.dumps(event.details)


def test_rectification_of_a_missing_row_or_a_key_is_refused(system: DataSystem) -> None:
    with pytest.raises(GardeError) as missing:
        rectification_apply(
            actor=None,
            dataset=EXAMPLE_KEY,
            collection="customer",
            primary_key={"id": 99},
            field="name",
            value="X",
        )
    with pytest.raises(ErasureError) as key:
        rectification_apply(
            actor=None,
            dataset=EXAMPLE_KEY,
            collection="customer",
            primary_key={"id": 1},
            field="id",
            value=5,
        )
    with pytest.raises(ErasureError) as length:
        rectification_apply(
            actor=None,
            dataset=EXAMPLE_KEY,
            collection="customer",
            primary_key={"id": 1},
            field="name",
            value="x" * 41,
        )
    assert missing.value.field == "primary_key"
    assert key.value.code == "dsr_rectification_key"
    assert length.value.code == "dsr_rectification_length"
    # and a refused rectification leaves no run (stuck "running") and no journal entry behind
    assert not FulfilmentRun.objects.exists()
    assert not ErasureJournalEntry.objects.exists()
    assert ErasureJournalEntry.objects.count() == 0


def test_a_restriction_is_active_until_lifted_and_opens_tasks(
    register: dict[str, Any], make_user: Callable[..., User]
) -> None:
    # given
    dpo = make_user("dpo")
    # when
    restriction = restriction_create(
        identity_type="email",
        identity_value=" Customer-1@Example.com ",
        actor=dpo,
        reason="accuracy contested",
    )
    again = restriction_create(identity_type="email", identity_value=EMAIL, actor=dpo)
    # then
    assert again == restriction
    assert restriction_active(identity_type="email", identity_value=EMAIL) is True
    assert restriction_active(identity_type="email", identity_value="other@example.com") is False
    run = FulfilmentRun.objects.get(kind=RunKind.RESTRICTION)
    tasks = sorted(n.recipient_name for n in RecipientNotification.objects.filter(run=run))
    assert tasks == ["Banque", "Routeur d'e-mails", "Éditeur du CRM"]  # every personal activity
    event = AuditEvent.objects.get(action="dsr.restriction_created")
    assert "example.com" not in json.dumps(event.details).lower()
    # when
    restriction_lift(restriction=restriction, actor=dpo)
    # then
    assert restriction_active(identity_type="email", identity_value=EMAIL) is False
    with pytest.raises(ErasureError):
        restriction_lift(restriction=restriction, actor=dpo)
