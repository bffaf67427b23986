"""The marketing and sales queue: only those two roles see submissions; filters, search and
pagination; status changes, assignment and notes, each audited, refused ones changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.marketing.models import ContactNote, ContactRequest
from garde.marketing.selectors import contact_request_get, contact_request_list
from garde.marketing.services import contact_request_submit
from tests.conftest import log_in
from tests.marketing.conftest import CALLBACK, CONTACT

pytestmark = pytest.mark.django_db


def _contact(**overrides: Any) -> ContactRequest:
    return contact_request_submit(kind="contact", **{**CONTACT, **overrides})


def _callback(**overrides: Any) -> ContactRequest:
    return contact_request_submit(kind="callback", **{**CALLBACK, **overrides})


def _audit(action: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (e.actor.email if e.actor else "", e.object_id, e.details)
        for e in AuditEvent.objects.filter(action=action).order_by("pk")
    ]


@pytest.mark.parametrize("role", ["dpo", "support", "hr", "sysadmin", "org_admin", "member"])
def test_only_marketing_and_sales_see_contact_submissions(
    role: str, client: Client, make_user: Callable[..., User]
) -> None:
    # given
    contact = _contact()
    outsider = make_user(role)
    log_in(client, outsider)
    # when
    listing = client.get("/console/marketing/")
    detail = client.get(f"/console/marketing/{contact.pk}/")
    # then
    assert (listing.status_code, detail.status_code) == (403, 403)
    assert list(contact_request_list(user=outsider)) == []
    assert contact_request_get(user=outsider, pk=contact.pk) is None


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_marketing_and_sales_see_the_queue(
    role: str, client: Client, make_user: Callable[..., User]
) -> None:
    # given
    contact = _contact()
    log_in(client, make_user(role))
    # when
    listing = client.get("/console/marketing/")
    detail = client.get(f"/console/marketing/{contact.pk}/")
    # then
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "Alice Bernard" in listing.content.decode()
    assert "nous cherchons un hébergeur en France." in detail.content.decode()


def test_the_queue_filters_by_status_kind_assignee_and_search(
    client: Client, handler: User, make_user: Callable[..., User]
) -> None:
    # given
    alice = _contact()
    bob = _callback()
    carol = _contact(
        name="Carol Martin", email="carol@boreal.example", company="Boréal", phone="0102030405"
    )
    carol.status = "spam"
    carol.save(update_fields=["status"])
    ContactRequest.objects.filter(pk=bob.pk).update(assignee=handler)
    log_in(client, handler)

    def names(query: str) -> list[str]:
        page = client.get(f"/console/marketing/?{query}")
        assert page.status_code == 200
        return [c.name for c in page.context["page"]]

    # when / then
    assert names("") == ["Carol Martin", "Bob Durand", "Alice Bernard"]
    assert names("status=spam") == ["Carol Martin"]
    assert names("kind=callback") == ["Bob Durand"]
    assert names("assignee=me") == ["Bob Durand"]
    assert names(f"assignee={handler.pk}") == ["Bob Durand"]
    assert names("assignee=none") == ["Carol Martin", "Alice Bernard"]
    assert names("q=bor%C3%A9al") == ["Carol Martin"]
    assert names("q=0612345678") == ["Alice Bernard"]
    assert names("status=new&kind=contact") == ["Alice Bernard"]
    assert alice.pk  # created first, listed last


def test_the_queue_is_paginated_with_a_fixed_number_of_queries(
    client: Client, handler: User, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # given: 30 submissions, some with notes
    for number in range(30):
        contact = _contact(name=f"Person {number}", email=f"p{number}@example.org")
        ContactNote.objects.create(contact_request=contact, author=handler, body="rappelé")
    log_in(client, handler)
    client.get("/console/marketing/")  # warm the session and role caches
    # when
    with django_assert_max_num_queries(12):
        first = client.get("/console/marketing/")
    second = client.get("/console/marketing/?page=2")
    # then
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert first.context["page"][0].note_count == 1


def test_a_status_change_is_applied_and_audited(client: Client, handler: User) -> None:
    # given
    contact = _contact()
    log_in(client, handler)
    # when
    response = client.post(
        f"/console/marketing/{contact.pk}/", {"action": "status", "status-status": "in_progress"}
    )
    # then
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == "in_progress"
    assert _audit("marketing.contact_status_changed") == [
        ("mia@inherent.example", str(contact.pk), {"from": "new", "to": "in_progress"})
    ]


def test_a_status_change_outside_the_workflow_is_refused_and_changes_nothing(
    client: Client, handler: User
) -> None:
    # given: a submission marked as spam can only go back to "new"
    contact = _contact()
    ContactRequest.objects.filter(pk=contact.pk).update(status="spam")
    log_in(client, handler)
    # when
    response = client.post(
        f"/console/marketing/{contact.pk}/", {"action": "status", "status-status": "done"}
    )
    # then
    assert response.status_code == 400
    assert "Impossible de passer de « Indésirable » à « Traitée »." in (
        response.content.decode().replace("&#x27;", "'")
    )
    contact.refresh_from_db()
    assert contact.status == "spam"
    assert _audit("marketing.contact_status_changed") == []


def test_assignment_to_a_team_member_is_audited_and_to_anyone_else_refused(
    client: Client, handler: User, make_user: Callable[..., User]
) -> None:
    # given
    contact = _contact()
    seller = make_user("sales", full_name="Sam Sales", email="sam@inherent.example")
    dpo = make_user("dpo")
    log_in(client, handler)
    url = f"/console/marketing/{contact.pk}/"
    # when
    given = client.post(url, {"action": "assign", "assign-assignee": str(seller.pk)})
    refused = client.post(url, {"action": "assign", "assign-assignee": str(dpo.pk)})
    # then
    assert (given.status_code, refused.status_code) == (302, 400)
    contact.refresh_from_db()
    assert contact.assignee == seller
    assert _audit("marketing.contact_assigned") == [
        ("mia@inherent.example", str(contact.pk), {"from": None, "to": seller.pk})
    ]


def test_a_note_is_added_and_audited_without_its_text(client: Client, handler: User) -> None:
    # given
    contact = _contact()
    log_in(client, handler)
    url = f"/console/marketing/{contact.pk}/"
    # when
    added = client.post(url, {"action": "note", "note-body": "Rappel prévu jeudi."})
    empty = client.post(url, {"action": "note", "note-body": "   "})
    # then
    assert (added.status_code, empty.status_code) == (302, 400)
    note = ContactNote.objects.get()
    assert (note.contact_request_id, note.author, note.body) == (
        contact.pk,
        handler,
        "Rappel prévu jeudi.",
    )
    assert _audit("marketing.contact_note_added") == [
        ("mia@inherent.example", str(contact.pk), {"note": note.pk})
    ]
    assert "Rappel prévu jeudi." in client.get(url).content.decode()
