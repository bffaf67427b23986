"""Contact and callback submissions are found by the fulfilment engine (the built-in dataset
``garde_marketing`` over the internal connector) and appear in the person's access package;
erasure reaches them too."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import pytest

from garde.accounts.models import User
from garde.dsr.builtin import builtin_sync
from garde.dsr.package import package_build
from garde.dsr.runtime import access_collect, data_map_load
from garde.marketing.models import ContactNote, ContactRequest
from garde.marketing.services import contact_note_add, contact_request_submit
from tests.marketing.conftest import CALLBACK, CONTACT

HIDDEN = {"fingerprint", "submission_key", "assignee_id", "author_id"}


@pytest.fixture
def submissions(make_user: Callable[..., User]) -> dict[str, ContactRequest]:
    alice = contact_request_submit(kind="contact", **CONTACT)
    callback = contact_request_submit(
        kind="callback", **{**CALLBACK, "email": "alice@acme.example"}
    )
    bob = contact_request_submit(
        kind="contact", **{**CONTACT, "name": "Bob", "email": "bob@acme.example"}
    )
    seller = make_user("sales")
    contact_note_add(contact_request=alice, body="Devis envoyé", actor=seller)
    contact_note_add(contact_request=bob, body="Note sur Bob", actor=seller)
    return {"alice": alice, "callback": callback, "bob": bob}


@pytest.mark.django_db(transaction=True)
def test_access_finds_exactly_the_persons_submissions_and_notes(
    submissions: dict[str, ContactRequest],
) -> None:
    # given
    builtin_sync()
    alice, callback = submissions["alice"], submissions["callback"]
    # when
    _plan, result = access_collect({"email": "alice@acme.example"})
    # then
    assert result.failures == []
    data = result.data["garde_marketing"]
    assert sorted(r["id"] for r in data["contact_request"]) == sorted([alice.pk, callback.pk])
    first = next(r for r in data["contact_request"] if r["id"] == alice.pk)
    assert first == {
        "id": alice.pk,
        "kind": "contact",
        "status": "new",
        "language": "fr",
        "name": "Alice Bernard",
        "company": "Acme Industries",
        "email": "alice@acme.example",
        "phone": "0612345678",
        "subject": "Hébergement de notre ERP",
        "message": "Bonjour,\nnous cherchons un hébergeur en France.",
        "time_slot": "",
        "topic": "",
        "submitted_at": alice.submitted_at,
        "updated_at": ContactRequest.objects.get(pk=alice.pk).updated_at,
    }
    note = ContactNote.objects.get(contact_request=alice)
    assert data["contact_note"] == [
        {
            "id": note.pk,
            "contact_request_id": alice.pk,
            "body": "Devis envoyé",
            "created_at": note.created_at,
        }
    ]
    every_field = {name for rows in data.values() for row in rows for name in row}
    assert every_field.isdisjoint(HIDDEN)


@pytest.mark.django_db(transaction=True)
def test_a_callback_without_email_is_found_by_phone_number(
    submissions: dict[str, ContactRequest],
) -> None:
    # given
    builtin_sync()
    only_phone = contact_request_submit(kind="callback", **{**CALLBACK, "phone": "07 00 00 00 01"})
    # when
    _plan, result = access_collect({"phone_number": "0700000001"})
    # then
    assert result.failures == []
    rows = result.data["garde_marketing"]["contact_request"]
    assert [r["id"] for r in rows] == [only_phone.pk]


@pytest.mark.django_db(transaction=True)
def test_the_submissions_appear_in_the_access_package(
    submissions: dict[str, ContactRequest],
) -> None:
    # given
    builtin_sync()
    data_map = data_map_load()
    identities = {"email": "alice@acme.example"}
    plan, result = access_collect(identities, data_map=data_map)
    # when
    archive = package_build(result=result, data_map=data_map, identities=identities, plan=plan)
    # then
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        names = zf.namelist()
        data = json.loads(zf.read("data.json"))
    marketing = data["garde"]["garde_marketing"]
    assert sorted(r["name"] for r in marketing["contact_request"]) == [
        "Alice Bernard",
        "Bob Durand",
    ]
    assert [r["body"] for r in marketing["contact_note"]] == ["Devis envoyé"]
    assert "garde/garde_marketing/contact_request.csv" in names
