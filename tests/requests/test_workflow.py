"""The workflow's legal rules, through the DPO console and the services: extensions (R-02),
refusals (R-03), staff entry with the real receipt date (R-07), forwarding to a client's
privacy contact (R-22), escalation, reminders, and refused transitions that change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.core.deadlines import PARIS
from garde.core.models import AuditEvent
from garde.requests import services
from garde.requests.choices import Channel, Queue, RequesterRelation, RequestKind, Right, Status
from garde.requests.errors import ExtensionError, RefusalError, RequestError, TransitionError
from garde.requests.models import Request, StatusChange
from garde.requests.selectors import request_list_for_operator
from tests.conftest import log_in

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)  # a Monday; due Thursday 2 April 2026
Capture = Callable[..., Any]


def at(*args: int) -> Any:
    return time_machine.travel(datetime(*args, tzinfo=PARIS), tick=False)  # type: ignore[misc]


def submit(requester: User | None = None, **overrides: Any) -> Request:
    fields: dict[str, Any] = {
        "kind": RequestKind.RIGHTS,
        "channel": Channel.PORTAL,
        "requester_name": "Alice Bernard",
        "requester_email": "alice@example.org",
        "requester_relation": RequesterRelation.OPERATOR_DATA,
        "description": "Je souhaite une copie de mes données.",
        "rights": [Right.ACCESS],
        "requester": requester,
    }
    fields.update(overrides)
    request, _token = services.request_submit(**fields)
    return request


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo", full_name="Dominique Paulin")


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user("member", email="alice@example.org", full_name="Alice Bernard")


@pytest.fixture
def operator_request(member: User) -> Request:
    """A member's request about the operator's own data, received on 2 March 2026."""
    with at(2026, 3, 2, 10):
        return submit(member)


def detail(request: Request) -> str:
    return reverse("requests:console_detail", kwargs={"pk": request.pk})


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def state(request: Request) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    request.refresh_from_db()
    return (
        request.status,
        request.due_date,
        request.extended_due_date,
        request.extension_reason,
        request.refusal_reason,
        request.refusal_detail,
        request.client_organisation_id,
        request.forwarded_to_email,
        request.answered_at,
        request.closed_at,
        StatusChange.objects.filter(request=request).count(),
        request.messages.count(),
        AuditEvent.objects.count(),
    )


# --- R-02 ------------------------------------------------------------------------------------


def test_r02_extension_before_the_first_deadline_tells_the_requester_why(
    client: Client,
    dpo: User,
    operator_request: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    assert operator_request.due_date == date(2026, 4, 2)
    mail.outbox.clear()
    # when
    with at(2026, 3, 20, 11), django_capture_on_commit_callbacks(execute=True):
        log_in(client, dpo)
        response = client.post(
            detail(operator_request),
            {
                "action": "extend",
                "extend-extra_months": "2",
                "extend-reason": "Données réparties dans douze systèmes à interroger",
            },
        )
    # then
    assert response.status_code == 302
    operator_request.refresh_from_db()
    assert operator_request.status == Status.EXTENDED
    assert operator_request.extended_due_date == date(2026, 6, 2)
    assert operator_request.extension_reason == "Données réparties dans douze systèmes à interroger"
    assert operator_request.extension_notified_at is not None
    [notice] = mails_to("alice@example.org")
    assert notice.subject == f"Demande {operator_request.reference} : délai prolongé"
    assert "2 juin 2026" in notice.body
    assert "Motif : Données réparties dans douze systèmes à interroger" in notice.body
    event = AuditEvent.objects.get(action="requests.extended")
    assert event.details == {"extra_months": 2, "new_due_date": "2026-06-02"}


def test_r02_no_extension_once_the_first_deadline_has_passed(
    client: Client,
    dpo: User,
    operator_request: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    before = state(operator_request)
    mail.outbox.clear()
    # when
    with at(2026, 4, 3, 9), django_capture_on_commit_callbacks(execute=True):
        log_in(client, dpo)
        before = state(operator_request)  # the log-in writes its own audit event
        response = client.post(
            detail(operator_request),
            {
                "action": "extend",
                "extend-extra_months": "1",
                "extend-reason": "Trop tard",
            },
        )
    # then
    assert response.status_code == 400
    assert "Le premier délai est dépassé" in response.content.decode()
    assert state(operator_request) == before
    assert not AuditEvent.objects.filter(action="requests.extended").exists()
    assert mail.outbox == []


def test_r02_an_extension_needs_a_reason(operator_request: Request, dpo: User) -> None:
    before = state(operator_request)
    with at(2026, 3, 10, 9), pytest.raises(ExtensionError) as refused:
        services.request_extend(request=operator_request, actor=dpo, extra_months=1, reason=" ")
    assert refused.value.field == "reason"
    assert state(operator_request) == before


def test_r02_an_extension_is_one_or_two_months(operator_request: Request, dpo: User) -> None:
    before = state(operator_request)
    with at(2026, 3, 10, 9), pytest.raises(ExtensionError) as refused:
        services.request_extend(
            request=operator_request, actor=dpo, extra_months=3, reason="Complexité"
        )
    assert refused.value.field == "extra_months"
    assert state(operator_request) == before


# --- R-03 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "detail_text", "field"),
    [
        ("", "Nous n'avons aucune donnée.", "reason"),
        ("no_data", "  ", "detail"),
        ("not_a_reason", "Texte", "reason"),
    ],
)
def test_r03_a_refusal_needs_a_reason_and_an_explanation(
    operator_request: Request, dpo: User, reason: str, detail_text: str, field: str
) -> None:
    before = state(operator_request)
    with pytest.raises(RefusalError) as refused:
        services.request_refuse(
            request=operator_request, actor=dpo, reason=reason, detail=detail_text
        )
    assert refused.value.field == field
    assert state(operator_request) == before


def test_r03_the_refusal_tells_the_requester_about_the_cnil_and_the_courts(
    client: Client,
    dpo: User,
    operator_request: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    mail.outbox.clear()
    log_in(client, dpo)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            detail(operator_request),
            {
                "action": "refuse",
                "refuse-reason": "no_data",
                "refuse-detail": "Aucune donnée ne correspond à votre adresse.",
            },
        )
    # then
    assert response.status_code == 302
    operator_request.refresh_from_db()
    assert (operator_request.status, operator_request.refusal_reason) == (Status.REFUSED, "no_data")
    assert operator_request.answered_at is not None
    [notice] = mails_to("alice@example.org")
    assert "CNIL" in notice.body
    assert "https://www.cnil.fr/fr/adresser-une-plainte" in notice.body
    assert "recours juridictionnel" in notice.body


def test_r03_the_console_refuses_a_refusal_without_explanation(
    client: Client, dpo: User, operator_request: Request
) -> None:
    log_in(client, dpo)
    before = state(operator_request)
    response = client.post(
        detail(operator_request),
        {
            "action": "refuse",
            "refuse-reason": "no_data",
            "refuse-detail": "",
        },
    )
    assert response.status_code == 400
    assert state(operator_request) == before


# --- R-07 ------------------------------------------------------------------------------------


def test_r07_staff_entry_with_a_past_receipt_date_runs_the_clock_from_that_date(
    client: Client,
    dpo: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: a letter received on Saturday 31 January 2026, entered ten days later
    with at(2026, 2, 10, 14), django_capture_on_commit_callbacks(execute=True):
        log_in(client, dpo)
        # when
        response = client.post(
            reverse("requests:console_new"),
            {
                "kind": "rights",
                "channel": "post",
                "received_on": "2026-01-31",
                "requester_name": "Bernard Chevalier",
                "requester_email": "bernard@example.org",
                "requester_relation": "operator_data",
                "rights": ["erasure"],
                "services": "newsletter",
                "description": "Courrier : effacez mes données.",
                "language": "fr",
            },
        )
    # then: one month gives Saturday 28 February, moved to Monday 2 March
    created = Request.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(created)
    assert created.received_at == datetime(2026, 1, 31, 12, 0, tzinfo=PARIS)
    assert created.due_date == date(2026, 3, 2)
    assert (created.channel, created.created_by, created.queue) == (
        Channel.POST,
        dpo,
        Queue.OPERATOR,
    )
    assert created.reference == f"DR-2026-{created.pk:06d}"
    # staff vouch for it: it is in the queue at once, and the requester can follow it
    assert list(request_list_for_operator(user=dpo)) == [created]
    [receipt] = mails_to("bernard@example.org")
    assert "2 mars 2026" in receipt.body
    assert re.search(r"/droits/suivi/[\w-]{40,}/", receipt.body)  # the follow link


def test_r07_a_receipt_date_in_the_future_is_refused(client: Client, dpo: User) -> None:
    with at(2026, 2, 10, 14):
        log_in(client, dpo)
        response = client.post(
            reverse("requests:console_new"),
            {
                "kind": "rights",
                "channel": "email",
                "received_on": "2026-02-12",
                "requester_name": "B",
                "requester_email": "b@example.org",
                "requester_relation": "operator_data",
                "rights": ["access"],
                "description": "x",
                "language": "fr",
            },
        )
    assert response.status_code == 400
    assert "dans le futur" in response.content.decode()
    assert not Request.objects.exists()


# --- R-22 forwarding ---------------------------------------------------------------------------


@pytest.fixture
def hosted_request(operator: Organisation) -> Request:
    """A person whose data a client processes on the operator's services, who could not reach
    that client, confirmed their address."""
    request, token = services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PUBLIC_FORM,
        requester_name="Chloé Durand",
        requester_email="chloe@example.org",
        requester_relation=RequesterRelation.CLIENT_DATA_SUBJECT,
        description="Supprimez mon compte client chez Acme.",
        rights=[Right.ERASURE],
        client_name_given="Acme",
        language="en",
    )
    assert token is not None
    services.request_confirm_email(token=token)
    return request


def test_r22_forwarding_goes_to_the_clients_privacy_contact_and_tells_the_requester(
    client: Client,
    dpo: User,
    hosted_request: Request,
    client_org: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    client_org.privacy_contact_email = "dpo@acme.example"
    client_org.save()
    mail.outbox.clear()
    log_in(client, dpo)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            detail(hosted_request), {"action": "forward", "forward-client": client_org.pk}
        )
    # then
    assert response.status_code == 302
    hosted_request.refresh_from_db()
    assert hosted_request.status == Status.FORWARDED
    assert hosted_request.client_organisation == client_org
    assert hosted_request.forwarded_to_email == "dpo@acme.example"
    [to_client] = mails_to("dpo@acme.example")
    assert hosted_request.reference in to_client.subject
    assert "Supprimez mon compte client chez Acme." in to_client.body
    assert "Effacement" in to_client.body
    [to_requester] = mails_to("chloe@example.org")
    assert "Acme Industries" in to_requester.body
    assert "dpo@acme.example" in to_requester.body
    assert [
        e.action
        for e in AuditEvent.objects.filter(
            action__in=["requests.client_set", "requests.forwarded"]
        ).order_by("id")
    ] == ["requests.client_set", "requests.forwarded"]


def test_r22_forwarding_to_a_client_without_privacy_contact_changes_nothing(
    client: Client,
    dpo: User,
    hosted_request: Request,
    client_org: Organisation,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    client_org.privacy_contact_email = ""
    client_org.save()
    log_in(client, dpo)
    before = state(hosted_request)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            detail(hosted_request), {"action": "forward", "forward-client": client_org.pk}
        )
    # then: the choice of client rolled back with the refused forwarding
    assert response.status_code == 400
    assert state(hosted_request) == before
    assert mail.outbox == []


def test_request_set_client_accepts_only_client_organisations(
    hosted_request: Request, dpo: User, operator: Organisation
) -> None:
    before = state(hosted_request)
    with pytest.raises(RequestError) as refused:
        services.request_set_client(request=hosted_request, client=operator, actor=dpo)
    assert refused.value.field == "client_organisation"
    assert state(hosted_request) == before


# --- escalation --------------------------------------------------------------------------------


def test_escalation_opens_a_linked_assistance_request_in_the_operator_queue(
    make_user: Callable[..., User],
    member: User,
    dpo: User,
    client_org: Organisation,
) -> None:
    # given: a member asks their organisation
    with at(2026, 3, 2, 10):
        own = submit(member, requester_relation=RequesterRelation.CLIENT_USER)
    assert own.queue == Queue.ORGANISATION
    assert list(request_list_for_operator(user=dpo)) == []
    # when: the organisation's admin hands it to the operator
    admin = make_user("org_admin")
    with at(2026, 3, 5, 10):
        assistance = services.request_escalate(request=own, actor=admin, note="Hébergement")
    # then
    assert (assistance.kind, assistance.queue, assistance.parent) == (
        RequestKind.ASSISTANCE,
        Queue.OPERATOR,
        own,
    )
    assert assistance.organisation == client_org
    assert assistance.client_due_date == own.effective_due_date == date(2026, 4, 2)
    assert list(request_list_for_operator(user=dpo)) == [assistance]
    own.refresh_from_db()
    assert own.status == Status.IN_PROGRESS


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_seven_and_two_days_before_are_sent_once_each(
    dpo: User,
    operator_request: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given: due on Thursday 2 April 2026
    mail.outbox.clear()

    def run(*when: int) -> int:
        with at(*when), django_capture_on_commit_callbacks(execute=True):
            return services.requests_send_reminders()

    # when / then
    assert run(2026, 3, 25, 8) == 0  # eight days before
    assert run(2026, 3, 26, 8) == 1  # seven days before
    assert run(2026, 3, 26, 18) == 0
    assert run(2026, 3, 28, 8) == 0
    assert run(2026, 3, 31, 8) == 1  # two days before
    assert run(2026, 4, 1, 8) == 0
    subjects = [m.subject for m in mails_to(dpo.email)]
    ref = operator_request.reference
    assert subjects == [
        f"Demande {ref} : échéance dans 7 jours",
        f"Demande {ref} : échéance dans 2 jours",
    ]


def test_a_request_first_seen_two_days_before_gets_only_the_two_day_reminder(
    dpo: User,
    member: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with at(2026, 3, 2, 10):
        request = submit(member)
    mail.outbox.clear()
    with at(2026, 3, 31, 8), django_capture_on_commit_callbacks(execute=True):
        assert services.requests_send_reminders() == 1
    assert [m.subject for m in mails_to(dpo.email)] == [
        f"Demande {request.reference} : échéance dans 2 jours"
    ]


# --- refused transitions ------------------------------------------------------------------------


def _refused(request: Request, actor: User) -> None:
    services.request_refuse(request=request, actor=actor, reason="no_data", detail="Rien.")


@pytest.mark.parametrize(
    ("prepare", "attempt"),
    [
        ([], lambda r, a: services.request_close(request=r, actor=a)),
        ([_refused], lambda r, a: services.request_answer(request=r, actor=a, body="Voici")),
        ([_refused], lambda r, a: services.request_start(request=r, actor=a)),
        (
            [_refused, lambda r, a: services.request_close(request=r, actor=a)],
            lambda r, a: services.request_ask_identity(request=r, actor=a, doubt_reason="Doute"),
        ),
        (
            [lambda r, a: services.request_answer(request=r, actor=a, body="Voici")],
            lambda r, a: services.request_extend(
                request=r, actor=a, extra_months=1, reason="Complexité"
            ),
        ),
    ],
    ids=["close-received", "answer-refused", "start-refused", "identity-closed", "extend-answered"],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    operator_request: Request,
    dpo: User,
    prepare: list[Callable[[Request, User], None]],
    attempt: Callable[[Request, User], None],
) -> None:
    # given
    with at(2026, 3, 10, 9):
        for step in prepare:
            step(operator_request, dpo)
            operator_request.refresh_from_db()
        before = state(operator_request)
        # when
        with pytest.raises(TransitionError) as refused:
            attempt(operator_request, dpo)
    # then
    assert refused.value.code == "invalid_transition"
    assert state(operator_request) == before


def test_the_console_refuses_an_invalid_transition_with_nothing_changed(
    client: Client,
    dpo: User,
    operator_request: Request,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    log_in(client, dpo)
    before = state(operator_request)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail(operator_request), {"action": "close"})
    assert response.status_code == 400
    assert "Impossible de passer de « Reçue » à « Clôturée »" in response.content.decode()
    assert state(operator_request) == before
    assert mail.outbox == []
