"""The DPO console's request pages: the queue by due date with its filters and exact counts,
overdue requests standing out, who reaches what, the request page with its separate thread
and internal notes, audited downloads, and answers with files."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.core.deadlines import PARIS
from garde.core.models import AuditEvent
from garde.requests import services
from garde.requests.attachments import attachment_add
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right, Status
from garde.requests.models import Attachment, Request
from garde.requests.selectors import request_console_counts, request_list_for_operator
from tests.conftest import log_in

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 6, 15, 9, 0, tzinfo=PARIS)  # a Monday
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
Capture = Callable[..., Any]


def at(value: datetime) -> Any:
    return time_machine.travel(value, tick=False)


def enter(dpo: User, received: datetime, **overrides: Any) -> Request:
    """A request staff entered with its real receipt date (operator queue, confirmed)."""
    fields: dict[str, Any] = {
        "kind": RequestKind.RIGHTS,
        "channel": Channel.EMAIL,
        "requester_name": "Alice Bernard",
        "requester_email": "alice@example.org",
        "requester_relation": RequesterRelation.OPERATOR_DATA,
        "description": "Copie de mes données",
        "rights": [Right.ACCESS],
        "received_at": received,
        "entered_by": dpo,
    }
    fields.update(overrides)
    request, _token = services.request_submit(**fields)
    return request


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo", full_name="Dominique Paulin")


@pytest.fixture
def queue(dpo: User) -> dict[str, Request]:
    """Three open requests (overdue, due within the week, due later) and two answered after
    3 and 10 days, seen on Monday 15 June 2026."""
    made: dict[str, Request] = {}
    with at(TODAY):
        made["overdue"] = enter(
            dpo,
            datetime(2026, 5, 1, 9, tzinfo=PARIS),
            requester_name="Olivier Retard",
            requester_email="olivier@example.org",
        )
        made["this_week"] = enter(
            dpo,
            datetime(2026, 5, 20, 9, tzinfo=PARIS),
            kind=RequestKind.PIA,
            rights=[],
            services="hébergement",
            requester_name="Sophie Semaine",
            requester_email="sophie@example.org",
        )
        made["later"] = enter(
            dpo,
            datetime(2026, 6, 10, 9, tzinfo=PARIS),
            requester_name="Louis Tard",
            requester_email="louis@example.org",
        )
        made["fast"] = enter(
            dpo,
            datetime(2026, 6, 1, 9, tzinfo=PARIS),
            requester_name="Rapide",
            requester_email="r1@example.org",
        )
        made["slow"] = enter(
            dpo,
            datetime(2026, 6, 2, 9, tzinfo=PARIS),
            requester_name="Lent",
            requester_email="r2@example.org",
        )
    with at(datetime(2026, 6, 4, 9, tzinfo=PARIS)):
        services.request_answer(request=made["fast"], actor=dpo, body="Voici.")
    with at(datetime(2026, 6, 12, 9, tzinfo=PARIS)):
        services.request_answer(request=made["slow"], actor=dpo, body="Voici.")
    return made


def listing(client: Client, **params: Any) -> tuple[Any, str]:
    with at(TODAY):
        response = client.get(reverse("requests:console_list"), params)
    return response, response.content.decode()


def references(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([A-Z]+-\d{4}-\d{6})</a></th>', html)


# --- the queue ---------------------------------------------------------------------------------


def test_counts_are_exact(queue: dict[str, Request], dpo: User) -> None:
    # given: due 1 June (overdue), 22 June (within 7 days), 10 July; answered in 3 and 10 days
    assert [queue[k].effective_due_date for k in ("overdue", "this_week", "later")] == [
        date(2026, 6, 1),
        date(2026, 6, 22),
        date(2026, 7, 10),
    ]
    # when
    with at(TODAY):
        counts = request_console_counts(requests=request_list_for_operator(user=dpo))
    # then
    assert counts == {"open": 3, "due_this_week": 1, "overdue": 1, "median_days_to_answer": 6.5}


def test_the_queue_lists_by_effective_due_date_and_overdue_requests_stand_out(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    # given: the later request was extended, which must not move the others
    with at(datetime(2026, 6, 12, 9, tzinfo=PARIS)):
        services.request_extend(
            request=queue["later"], actor=dpo, extra_months=1, reason="Complexité"
        )
    log_in(client, dpo)
    # when
    response, html = listing(client)
    # then
    assert response.status_code == 200
    assert references(html) == [
        queue[k].reference for k in ("overdue", "this_week", "fast", "slow", "later")
    ]
    overdue_row = html.split(queue["overdue"].reference)[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in overdue_row
    assert html.count("En retard</strong>") == 1
    assert re.search(r'<strong class="count">3</strong>\s*ouvertes', html)
    assert re.search(r'<strong class="count">1</strong>\s*en retard', html)
    assert re.search(r'<strong class="count">6,5</strong>|<strong class="count">6.5</strong>', html)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"overdue": "on"}, ["overdue"]),
        ({"due_this_week": "on"}, ["this_week"]),
        ({"kind": "pia"}, ["this_week"]),
        ({"status": "answered"}, ["fast", "slow"]),
        ({"status": "open"}, ["overdue", "this_week", "later"]),
        ({"q": "SOPHIE@"}, ["this_week"]),
        ({"q": "Tard"}, ["overdue", "later"]),
        ({"assignee": "none", "status": "open"}, ["overdue", "this_week", "later"]),
    ],
)
def test_filters(
    client: Client,
    dpo: User,
    queue: dict[str, Request],
    params: dict[str, str],
    expected: list[str],
) -> None:
    log_in(client, dpo)
    _response, html = listing(client, **params)
    assert references(html) == [queue[k].reference for k in expected]


def test_search_by_reference_and_by_assignee(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    services.request_assign(request=queue["later"], assignee=dpo, actor=dpo)
    log_in(client, dpo)
    assert references(listing(client, q=queue["fast"].reference)[1]) == [queue["fast"].reference]
    assert references(listing(client, assignee="me")[1]) == [queue["later"].reference]
    assert references(listing(client, assignee=str(dpo.pk))[1]) == [queue["later"].reference]


def test_the_list_page_has_a_fixed_number_of_queries(
    client: Client,
    dpo: User,
    django_assert_max_num_queries: Callable[[int], Any],
    make_user: Callable[..., User],
) -> None:
    # given
    support = make_user("support")
    with at(TODAY):
        for n in range(3):
            request = enter(dpo, TODAY - timedelta(days=n), requester_email=f"a{n}@example.org")
            services.request_assign(request=request, assignee=support, actor=dpo)
    log_in(client, dpo)
    # when / then
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        small = listing(client)[1]
    with at(TODAY):
        for n in range(20):
            request = enter(dpo, TODAY - timedelta(days=n), requester_email=f"b{n}@example.org")
            services.request_assign(request=request, assignee=support, actor=dpo)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        large = listing(client)[1]
    assert len(references(small)) == 3
    assert len(references(large)) == 23


def test_the_list_is_paginated(client: Client, dpo: User) -> None:
    with at(TODAY):
        for n in range(27):
            enter(dpo, TODAY - timedelta(days=n), requester_email=f"p{n}@example.org")
    log_in(client, dpo)
    first = listing(client)[1]
    second = listing(client, page=2)[1]
    assert (len(references(first)), len(references(second))) == (25, 2)
    assert "Page 1 sur 2" in first


# --- who reaches what -----------------------------------------------------------------------


def test_support_sees_only_what_is_assigned_to_them(
    client: Client, dpo: User, queue: dict[str, Request], make_user: Callable[..., User]
) -> None:
    # given
    support = make_user("support")
    services.request_assign(request=queue["later"], assignee=support, actor=dpo)
    log_in(client, support)
    # when
    html = listing(client)[1]
    mine = client.get(reverse("requests:console_detail", kwargs={"pk": queue["later"].pk}))
    other = client.get(reverse("requests:console_detail", kwargs={"pk": queue["fast"].pk}))
    # then
    assert references(html) == [queue["later"].reference]
    assert mine.status_code == 200
    assert other.status_code == 404


def test_support_cannot_take_the_dpo_decisions(
    client: Client, dpo: User, queue: dict[str, Request], make_user: Callable[..., User]
) -> None:
    support = make_user("support")
    services.request_assign(request=queue["later"], assignee=support, actor=dpo)
    log_in(client, support)
    url = reverse("requests:console_detail", kwargs={"pk": queue["later"].pk})
    response = client.post(
        url, {"action": "refuse", "refuse-reason": "no_data", "refuse-detail": "Rien"}
    )
    assert response.status_code == 403
    queue["later"].refresh_from_db()
    assert queue["later"].status == Status.IN_PROGRESS
    page = client.get(url).content.decode()
    assert 'value="refuse"' not in page
    assert 'value="answer"' in page


@pytest.mark.parametrize("role", ["dpo", "support"])
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("requests:console_detail", {}),
        ("requests:console_letter", {}),
        ("requests:console_attachment", {"attachment_id": 1}),
        ("requests:pia_pack", {"format": "pdf"}),
    ],
)
def test_an_unknown_request_is_a_404(
    client: Client,
    make_user: Callable[..., User],
    role: str,
    name: str,
    kwargs: dict[str, Any],
) -> None:
    log_in(client, make_user(role))
    assert client.get(reverse(name, kwargs={"pk": 999999, **kwargs})).status_code == 404


@pytest.mark.parametrize(
    "role", ["sales", "marketing", "hr", "sysadmin", "org_admin", "org_dpo", "member"]
)
def test_other_roles_never_reach_the_console(
    client: Client, make_user: Callable[..., User], queue: dict[str, Request], role: str
) -> None:
    log_in(client, make_user(role))
    pk = queue["later"].pk
    for url in (
        reverse("requests:console_list"),
        reverse("requests:console_new"),
        reverse("requests:console_detail", kwargs={"pk": pk}),
        reverse("requests:console_letter", kwargs={"pk": pk}),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("requests:console_detail", kwargs={"pk": pk}), {"action": "close"}
        ).status_code
        == 403
    )


def test_the_demandes_tab_shows_for_the_dpo_team_and_support_only(
    client: Client, make_user: Callable[..., User]
) -> None:
    tab = f'href="{reverse("requests:console_list")}"'
    for role, shown in (("dpo", True), ("support", True), ("sales", False)):
        client.logout()
        log_in(client, make_user(role))
        assert (tab in client.get(reverse("web:console_home")).content.decode()) is shown


def test_only_the_dpo_enters_requests(client: Client, make_user: Callable[..., User]) -> None:
    log_in(client, make_user("support"))
    assert client.get(reverse("requests:console_new")).status_code == 403


# --- one request ---------------------------------------------------------------------------------


def test_the_request_page_separates_the_thread_from_internal_notes(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    # given
    request = queue["later"]
    services.message_post(
        request=request, body="Pouvez-vous préciser ?", author=dpo, from_requester=False
    )
    services.message_post(
        request=request,
        body="Vérifier le CRM d'abord.",
        author=dpo,
        from_requester=False,
        internal=True,
    )
    log_in(client, dpo)
    # when
    html = client.get(
        reverse("requests:console_detail", kwargs={"pk": request.pk})
    ).content.decode()
    # then
    thread, notes = html.split('id="notes-title"')
    thread = thread.split('id="thread-title"')[1]
    assert "Pouvez-vous préciser ?" in thread
    assert "CRM" not in thread
    assert "Vérifier le CRM d" in notes
    assert "préciser" not in notes.split('id="files-title"')[0]
    assert "jamais visibles du demandeur" in notes


def test_notes_are_never_mailed(
    client: Client,
    dpo: User,
    queue: dict[str, Request],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    log_in(client, dpo)
    mail.outbox.clear()
    url = reverse("requests:console_detail", kwargs={"pk": queue["later"].pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "note", "note-body": "Interne"})
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "message", "message-body": "Bonjour"})
    assert [m.to for m in mail.outbox] == [["louis@example.org"]]


def test_assigning_starts_the_request_and_is_audited(
    client: Client, dpo: User, queue: dict[str, Request], make_user: Callable[..., User]
) -> None:
    support = make_user("support")
    log_in(client, dpo)
    request = queue["later"]
    response = client.post(
        reverse("requests:console_detail", kwargs={"pk": request.pk}),
        {"action": "assign", "assign-assignee": support.pk},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.assignee, request.status) == (support, Status.IN_PROGRESS)
    assert AuditEvent.objects.get(action="requests.assigned").details == {"assignee": support.pk}


def test_identity_proof_is_asked_with_the_doubt_recorded(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    log_in(client, dpo)
    request = queue["later"]
    client.post(
        reverse("requests:console_detail", kwargs={"pk": request.pk}),
        {
            "action": "identity",
            "identity-doubt_reason": "Adresse différente de celle du compte",
        },
    )
    request.refresh_from_db()
    assert request.status == Status.AWAITING_IDENTITY
    assert request.identity_doubt_reason == "Adresse différente de celle du compte"


def test_attachments_download_through_the_audited_read(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    # given
    request = queue["later"]
    attachment = attachment_add(
        request=request,
        upload=SimpleUploadedFile("courrier.pdf", PDF_BYTES),
        uploaded_by=None,
        from_requester=True,
    )
    log_in(client, dpo)
    # when
    response = client.get(
        reverse(
            "requests:console_attachment", kwargs={"pk": request.pk, "attachment_id": attachment.pk}
        )
    )
    # then
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="courrier.pdf"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="requests.attachment_downloaded")
    assert (event.actor, event.details) == (dpo, {"attachment": attachment.pk})


def test_an_attachment_of_another_request_is_a_404(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    attachment = attachment_add(
        request=queue["fast"],
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
        uploaded_by=None,
        from_requester=True,
    )
    log_in(client, dpo)
    url = reverse(
        "requests:console_attachment",
        kwargs={"pk": queue["later"].pk, "attachment_id": attachment.pk},
    )
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="requests.attachment_downloaded").exists()


def test_the_answer_carries_files_and_the_generated_letter(
    client: Client,
    dpo: User,
    queue: dict[str, Request],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    request = queue["later"]
    log_in(client, dpo)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests:console_detail", kwargs={"pk": request.pk}),
            {
                "action": "answer",
                "answer-body": "Vous trouverez vos données ci-jointes.",
                "answer-uploads": [SimpleUploadedFile("donnees.pdf", PDF_BYTES)],
                "answer-join_letter": "on",
            },
        )
    # then
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.ANSWERED
    names = sorted(
        Attachment.objects.filter(request=request).values_list("original_name", flat=True)
    )
    assert names == [f"{request.reference}-answer.pdf", "donnees.pdf"]
    message = request.messages.get()
    assert message.attachments.count() == 2
    [answered] = mail.outbox
    assert answered.to == ["louis@example.org"]


def test_a_refused_file_leaves_the_request_as_it_was(
    client: Client,
    dpo: User,
    queue: dict[str, Request],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    # given
    request = queue["later"]
    earlier = attachment_add(
        request=request,
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
        uploaded_by=None,
        from_requester=True,
    )
    log_in(client, dpo)
    events = AuditEvent.objects.count()
    mail.outbox.clear()
    # when: an executable renamed .pdf
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests:console_detail", kwargs={"pk": request.pk}),
            {
                "action": "answer",
                "answer-body": "Voici.",
                "answer-uploads": [SimpleUploadedFile("donnees.pdf", b"MZ\x90\x00binary")],
            },
        )
    # then
    assert response.status_code == 400
    assert "programme exécutable Windows" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.RECEIVED
    assert list(request.attachments.all()) == [earlier]
    assert not request.messages.exists()
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []


def test_r10_the_page_warns_when_the_access_answer_would_be_incomplete(
    client: Client, dpo: User, queue: dict[str, Request]
) -> None:
    log_in(client, dpo)
    url = reverse("requests:console_detail", kwargs={"pk": queue["later"].pk})
    html = client.get(url).content.decode()
    assert "La réponse d'accès sera incomplète" in html
    assert "Aucun registre publié : la réponse d&#x27;accès est incomplète." in html
