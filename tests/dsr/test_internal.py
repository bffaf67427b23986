"""Garde's own stores as a built-in system (issue 5, items 1 and 4): the internal connector and
the built-in datasets of accounts and requests."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from garde.accounts.models import Membership, RecoveryCode, TotpDevice, User
from garde.accounts.services import recovery_codes_regenerate, totp_enrolment_start
from garde.core.models import AuditEvent
from garde.dsr.builtin import BUILTIN_SYSTEM, builtin_files, builtin_sync
from garde.dsr.connectors.base import ConnectorError, connector_create
from garde.dsr.connectors.internal import InternalConnector
from garde.dsr.datasets import dataset_parse, spec_from_dict
from garde.dsr.engine import access_plan, access_run
from garde.dsr.models import Dataset, DataSystem
from garde.dsr.runtime import access_collect, data_map_load
from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec
from garde.requests import services as request_services
from garde.requests.attachments import attachment_add
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right
from garde.requests.models import Attachment, Message, Request
from tests.requests import samples

SECRET_NAMES = {"password", "encrypted_secret", "last_step", "code_hash", "follow_token_hash"}
USER_FIELDS = [
    "id",
    "email",
    "full_name",
    "phone",
    "job_title",
    "language",
    "date_joined",
    "last_login",
    "password_changed_at",
]


@pytest.fixture(autouse=True)
def private_dir(settings: Any, tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir()
    settings.PRIVATE_DIR = private
    return private


def _file(request: Request, author: User | None, name: str) -> Attachment:
    return attachment_add(
        request=request,
        upload=samples.upload(name, samples.PDF),
        uploaded_by=author,
        from_requester=True,
    )


def _rights_request(user: User | None, email: str, name: str) -> Request:
    request, _token = request_services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PORTAL if user is not None else Channel.PUBLIC_FORM,
        requester=user,
        requester_name=name,
        requester_email=email,
        requester_relation=RequesterRelation.CLIENT_USER,
        rights=[Right.ACCESS],
        description=f"Copie des données de {name}",
    )
    return request


class People:
    """Alice (the person asking) and Bob (someone else), with accounts and requests."""

    def __init__(self, make_user: Callable[..., User]) -> None:
        self.alice = make_user("member", email="alice@acme.example", full_name="Alice Bernard")
        self.bob = make_user("member", email="bob@acme.example", full_name="Bob Durand")
        totp_enrolment_start(user=self.alice)
        recovery_codes_regenerate(user=self.alice, request=None)
        totp_enrolment_start(user=self.bob)
        # Alice: one request from her account, one from the public form with the same address,
        # one from her account under another address (found through her account).
        self.portal = _rights_request(self.alice, self.alice.email, "Alice Bernard")
        self.public = _rights_request(None, self.alice.email, "Alice B.")
        self.other_address = _rights_request(self.alice, "alice.perso@mail.example", "Alice")
        self.message = request_services.message_post(
            request=self.portal,
            body="Voici ma pièce d'identité",
            author=self.alice,
            from_requester=True,
        )
        self.attachment = _file(self.portal, self.alice, "identite.pdf")
        # Bob's request, message and file must never appear in Alice's answer.
        self.bob_request = _rights_request(self.bob, self.bob.email, "Bob Durand")
        request_services.message_post(
            request=self.bob_request, body="Bob écrit", author=self.bob, from_requester=True
        )
        _file(self.bob_request, self.bob, "bob.pdf")


@pytest.fixture
def people(make_user: Callable[..., User]) -> People:
    return People(make_user)


def _collection(fides_key: str, name: str) -> CollectionSpec:
    spec = spec_from_dict(Dataset.objects.get(fides_key=fides_key).spec)
    found = spec.collection(name)
    assert found is not None
    return found


# --- access --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_access_returns_exactly_the_persons_rows_from_garde_stores(people: People) -> None:
    # given
    builtin_sync()
    alice = people.alice
    alice_requests = sorted([people.portal.pk, people.public.pk, people.other_address.pk])
    # when
    _plan, result = access_collect({"email": alice.email})
    # then
    assert result.failures == []
    accounts = result.data["garde_accounts"]
    requests_data = result.data["garde_requests"]
    assert accounts["user"] == [
        {
            "id": alice.pk,
            "email": "alice@acme.example",
            "full_name": "Alice Bernard",
            "phone": alice.phone,
            "job_title": alice.job_title,
            "language": "fr",
            "date_joined": alice.date_joined,
            "last_login": None,
            "password_changed_at": alice.password_changed_at,
        }
    ]
    membership = Membership.objects.get(user=alice)
    assert accounts["membership"] == [
        {
            "id": membership.pk,
            "user_id": alice.pk,
            "organisation_id": membership.organisation_id,
            "role": "member",
            "created_at": membership.created_at,
        }
    ]
    device = TotpDevice.objects.get(user=alice)
    assert accounts["totp_device"] == [
        {
            "id": device.pk,
            "user_id": alice.pk,
            "confirmed_at": None,
            "created_at": device.created_at,
        }
    ]
    assert sorted(r["id"] for r in accounts["recovery_code"]) == sorted(
        RecoveryCode.objects.filter(user=alice).values_list("pk", flat=True)
    )
    assert len(accounts["recovery_code"]) == 10
    assert sorted(r["id"] for r in requests_data["request"]) == alice_requests
    assert [(m["id"], m["body"]) for m in requests_data["message"]] == [
        (people.message.pk, "Voici ma pièce d'identité")
    ]
    assert requests_data["attachment"] == [
        {
            "id": people.attachment.pk,
            "request_id": people.portal.pk,
            "message_id": None,
            "from_requester": True,
            "original_name": "identite.pdf",
            "content_type": "application/pdf",
            "size": len(samples.PDF),
            "sha256": people.attachment.sha256,
            "created_at": people.attachment.created_at,
        }
    ]
    every_field = {
        name for rows in (*accounts.values(), *requests_data.values()) for r in rows for name in r
    }
    assert every_field.isdisjoint(SECRET_NAMES | {"storage_name"})


@pytest.mark.django_db(transaction=True)
def test_access_from_engine_threads_closes_the_connections_it_opened(people: People) -> None:
    # given
    builtin_sync()
    data_map = data_map_load()
    plan = access_plan(data_map.specs, ["email"])
    connector = InternalConnector("internal:")
    connectors = dict.fromkeys(data_map.systems, connector)
    User.objects.count()  # the main thread's own connection is open, and must stay so
    main_connection = connection.connection
    before = _server_connections()
    # when
    result = access_run(plan, identities={"email": people.alice.email}, connectors=connectors)
    opened = list(connector._opened)
    connector.close()
    # then
    assert result.failures == []
    assert result.counts()["garde_accounts"]["user"] == 1
    assert opened, "the engine's worker threads used connections of their own"
    assert all(w is not connections["default"] for w in opened)
    assert all(w.connection is None for w in opened)
    assert all(not w.allow_thread_sharing for w in opened)
    assert connection.connection is main_connection
    assert User.objects.count() == 2
    assert _server_connections(settle_to=before) == before


def _server_connections(settle_to: int | None = None) -> int | None:
    """Sessions of this test database on a PostgreSQL server (None on SQLite). With
    ``settle_to``, wait up to 5 s for the count to fall to it: a closed session's backend leaves
    ``pg_stat_activity`` a moment after the client hung up."""
    if connection.vendor != "postgresql":
        return None
    deadline = time.monotonic() + (5 if settle_to is not None else 0)
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            row = cursor.fetchone()
        assert row is not None
        count = int(row[0])
        if settle_to is None or count <= settle_to or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_connections_opened_by_a_connector_on_a_plain_thread_are_closed(people: People) -> None:
    # given
    builtin_sync()
    connector = InternalConnector("internal:")
    user = _collection("garde_accounts", "user")
    found: list[list[dict[str, Any]]] = []
    thread = threading.Thread(
        target=lambda: found.append(
            connector.retrieve(user, lookup_field="email", values=[people.bob.email])
        )
    )
    # when
    thread.start()
    thread.join()
    opened = list(connector._opened)
    connector.close()
    # then
    assert [r["id"] for r in found[0]] == [people.bob.pk]
    assert len(opened) == 1
    assert opened[0].connection is None


# --- erasure -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mask_changes_only_the_named_rows_and_fields(people: People) -> None:
    # given
    builtin_sync()
    connector = InternalConnector("internal:")
    message = _collection("garde_requests", "message")
    bob_message = Message.objects.get(request=people.bob_request)
    # when
    changed = connector.mask(
        message, primary_keys=[{"id": people.message.pk}], updates={"body": "[effacé]"}
    )
    # then
    assert changed == 1
    people.message.refresh_from_db()
    assert people.message.body == "[effacé]"
    assert people.message.from_requester is True
    assert Message.objects.get(pk=bob_message.pk).body == "Bob écrit"


@pytest.mark.django_db
def test_delete_removes_only_the_named_rows(people: People) -> None:
    # given
    builtin_sync()
    connector = InternalConnector("internal:")
    attachment = _collection("garde_requests", "attachment")
    # when
    deleted = connector.delete(attachment, primary_keys=[{"id": people.attachment.pk}])
    # then
    assert deleted == 1
    assert not Attachment.objects.filter(pk=people.attachment.pk).exists()
    assert Attachment.objects.filter(request=people.bob_request).count() == 1


@pytest.mark.django_db
def test_erasing_an_account_goes_through_the_accounts_service(people: People) -> None:
    # given
    builtin_sync()
    connector = InternalConnector("internal:")
    user = _collection("garde_accounts", "user")
    alice = people.alice
    # when
    changed = connector.delete(user, primary_keys=[{"id": alice.pk}])
    # then: pseudonymised by accounts.account_delete, the row kept for the audit trail
    assert changed == 1
    alice.refresh_from_db()
    assert alice.email == f"deleted-{alice.pk}@deleted.invalid"
    assert (alice.full_name, alice.phone, alice.is_active) == ("", "", False)
    assert alice.deleted_at is not None
    assert not TotpDevice.objects.filter(user=alice).exists()
    assert not RecoveryCode.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(action="accounts.account_deleted", object_id=str(alice.pk))
    people.bob.refresh_from_db()
    assert people.bob.email == "bob@acme.example"
    assert TotpDevice.objects.filter(user=people.bob).exists()


# --- refusals ------------------------------------------------------------------------------


def _spec(model: str, *fields: str, **options: object) -> CollectionSpec:
    return CollectionSpec(
        name="things",
        fields=tuple(FieldSpec(name=f, path=(f,), primary_key=f == "id") for f in fields),
        options={"model": model, **options},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("core.AuditEvent", "model 'core.AuditEvent' is not one the internal connector may reach"),
        ("auth.Group", "model 'auth.Group' is not one the internal connector may reach"),
        ("accounts.Nope", "no model 'accounts.Nope'"),
    ],
)
def test_a_model_outside_the_allow_list_is_refused(
    people: People, model: str, message: str
) -> None:
    # given
    connector = InternalConnector("internal:")
    events = AuditEvent.objects.count()
    spec = _spec(model, "id")
    # when / then
    for call in (
        lambda: connector.retrieve(spec, lookup_field="id", values=[1]),
        lambda: connector.mask(spec, primary_keys=[{"id": 1}], updates={"id": 2}),
        lambda: connector.delete(spec, primary_keys=[{"id": 1}]),
    ):
        with pytest.raises(ConnectorError, match=message):
            call()
    assert AuditEvent.objects.count() == events
    assert connector.statements_executed == 0


@pytest.mark.django_db
def test_a_collection_without_a_model_is_refused() -> None:
    spec = CollectionSpec(name="user", fields=(FieldSpec(name="id", path=("id",)),))
    with pytest.raises(ConnectorError, match="must name its model in fides_meta"):
        InternalConnector("internal:").retrieve(spec, lookup_field="id", values=[1])


@pytest.mark.django_db
def test_an_undeclared_field_is_refused(people: People) -> None:
    # given
    connector = InternalConnector("internal:")
    spec = _spec("accounts.User", "id", "email")
    # when / then
    with pytest.raises(ConnectorError, match="declares no field 'full_name'"):
        connector.retrieve(spec, lookup_field="full_name", values=["Alice Bernard"])
    with pytest.raises(ConnectorError, match="declares no field 'full_name'"):
        connector.mask(spec, primary_keys=[{"id": people.alice.pk}], updates={"full_name": "x"})
    with pytest.raises(ConnectorError, match=r"model accounts\.User has no field 'nickname'"):
        connector.retrieve(_spec("accounts.User", "id", "nickname"), lookup_field="id", values=[1])
    people.alice.refresh_from_db()
    assert people.alice.full_name == "Alice Bernard"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("accounts.User", "password"),
        ("accounts.TotpDevice", "encrypted_secret"),
        ("accounts.RecoveryCode", "code_hash"),
        ("requests.Request", "follow_token_hash"),
    ],
)
def test_a_secret_field_is_refused_even_when_declared(
    people: People, model: str, field: str
) -> None:
    spec = _spec(model, "id", field)
    with pytest.raises(ConnectorError, match=f"field '{field}' holds a secret"):
        InternalConnector("internal:").retrieve(spec, lookup_field="id", values=[1])


@pytest.mark.django_db
def test_an_unknown_eraser_is_refused(people: People) -> None:
    spec = _spec("accounts.User", "id", "email", erase_with="garde.accounts.services.user_create")
    with pytest.raises(ConnectorError, match="unknown erase_with"):
        InternalConnector("internal:").delete(spec, primary_keys=[{"id": people.alice.pk}])
    assert User.objects.filter(pk=people.alice.pk, is_active=True).exists()


@pytest.mark.django_db
def test_a_reverse_relation_is_not_a_column() -> None:
    spec = _spec("accounts.User", "id", "memberships")
    with pytest.raises(ConnectorError, match="field 'memberships' is not a column"):
        InternalConnector("internal:").retrieve(spec, lookup_field="id", values=[1])


# --- the built-in system -------------------------------------------------------------------


@pytest.mark.django_db
def test_internal_is_a_registered_connector_type() -> None:
    assert isinstance(connector_create("internal", "internal:"), InternalConnector)


# Garde's built-in datasets (dsr/builtin/*.yml) and how many collections each declares.
BUILTIN = {
    "garde_accounts": 4,
    "garde_careers": 2,
    "garde_marketing": 2,
    "garde_marketing_newsletter": 3,
    "garde_requests": 3,
}


@pytest.mark.django_db
def test_builtin_sync_creates_the_system_and_imports_every_file_once() -> None:
    # when
    first = builtin_sync()
    events = AuditEvent.objects.filter(action="dsr.builtin_synced").count()
    second = builtin_sync()
    # then
    assert [d.fides_key for d in first] == list(BUILTIN)
    assert [d.pk for d in second] == [d.pk for d in first]
    system = DataSystem.objects.get(name=BUILTIN_SYSTEM)
    assert (system.type, system.url) == ("internal", "internal:")
    assert sorted(system.datasets.values_list("fides_key", flat=True)) == list(BUILTIN)
    assert events == 1
    assert AuditEvent.objects.filter(action="dsr.builtin_synced").count() == 1
    assert AuditEvent.objects.filter(action="dsr.dataset_imported").count() == len(BUILTIN)


@pytest.mark.django_db
def test_builtin_sync_puts_back_a_system_pointed_elsewhere() -> None:
    # given
    builtin_sync()
    system = DataSystem.objects.get(name=BUILTIN_SYSTEM)
    system.type = "sqlite"
    system.save(update_fields=["type"])
    # when
    builtin_sync()
    # then
    system.refresh_from_db()
    assert (system.type, system.url) == ("internal", "internal:")


@pytest.mark.django_db
def test_builtin_files_parse_and_never_declare_a_secret() -> None:
    # given
    stored: dict[str, DatasetSpec] = {}
    # when
    for path in builtin_files():
        for spec in dataset_parse(
            path.read_text(encoding="utf-8"), filename=path.name, stored=stored
        ):
            stored[spec.fides_key] = spec
    # then
    assert sorted(stored) == list(BUILTIN)
    user = stored["garde_accounts"].collection("user")
    assert user is not None
    assert [f.name for f in user.fields] == USER_FIELDS
    assert set(User.PERSONAL_FIELDS) <= {f.name for f in user.fields}
    names = {f.name for spec in stored.values() for c in spec.collections for f in c.all_fields()}
    assert names.isdisjoint(SECRET_NAMES | {"storage_name"})


@pytest.mark.django_db
def test_cli_dataset_builtin_syncs_and_lists_the_datasets() -> None:
    # given
    out = io.StringIO()
    # when
    call_command("dsr", "dataset", "builtin", stdout=out)
    # then
    assert out.getvalue() == "system garde (internal)\n" + "".join(
        f"{key} ({count} collections)\n" for key, count in BUILTIN.items()
    )
    assert Dataset.objects.filter(system__name=BUILTIN_SYSTEM).count() == len(BUILTIN)


@pytest.mark.django_db
def test_garde_demo_loads_the_builtin_system() -> None:
    # given
    from garde.core.demo import DEMO_LOADERS
    from garde.dsr.builtin import demo_load

    # when
    lines = demo_load()
    # then
    assert "garde.dsr.builtin.demo_load" in DEMO_LOADERS
    assert lines == [f"dsr: built-in system 'garde' with datasets {', '.join(BUILTIN)}"]
    assert DataSystem.objects.filter(name=BUILTIN_SYSTEM, type="internal").count() == 1
