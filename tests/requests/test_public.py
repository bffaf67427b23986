"""The path for people without an account: file a request at /droits/, confirm the address
through the mailed link, follow the request, exchange messages and files, get the answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from garde.accounts.models import Organisation, User
from garde.core.models import AuditEvent
from garde.requests import services
from garde.requests.choices import Channel, Queue, RequesterRelation, RequestKind, Right, Status
from garde.requests.models import Request
from garde.requests.selectors import request_list_for_operator
from tests.requests import samples

pytestmark = pytest.mark.django_db

CaptureCommits = Callable[..., Any]
FOLLOW_LINK = re.compile(r"http://\S+/(?:en/rights/follow|droits/suivi)/[\w-]+/")


@pytest.fixture
def dpo(make_user: Callable[..., User], settings: Any) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_user("dpo", email="dpo@inherent.example", full_name="Delphine Pasquier")


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "requester_name": "Zoé Petit",
        "requester_email": "Zoe.Petit@example.org",
        "rights": [Right.ACCESS],
        "requester_relation": RequesterRelation.OPERATOR_DATA,
        "description": "Quelles données avez-vous sur moi depuis ma candidature ?",
        "website": "",
    }
    data.update(overrides)
    return data


def follow_path(message: mail.EmailMessage) -> str:
    match = FOLLOW_LINK.search(str(message.body))
    assert match is not None, message.body
    return urlsplit(match.group(0)).path


def test_a_person_without_an_account_files_confirms_exchanges_and_gets_an_answer(
    client: Client, dpo: User, django_capture_on_commit_callbacks: CaptureCommits
) -> None:
    # given: the form, with its short notice
    form_page = client.get("/droits/")
    assert form_page.status_code == 200
    assert reverse("register:notice") in form_page.content.decode()

    # when: the person files the request with a file
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/droits/",
            form_data(attachments=[samples.upload("candidature.pdf", samples.PDF)]),
        )

    # then: recorded now, not yet in the DPO team's queue, and a confirmation mail is sent
    request = Request.objects.get()
    assert sent["Location"] == reverse("requests:public_sent")
    assert (request.channel, request.requester, request.requester_email, request.queue) == (
        Channel.PUBLIC_FORM,
        None,
        "zoe.petit@example.org",
        Queue.OPERATOR,
    )
    assert request.email_confirmed_at is None
    assert list(request_list_for_operator(user=dpo)) == []
    [confirmation] = mail.outbox
    assert confirmation.to == ["zoe.petit@example.org"]
    assert confirmation.subject == f"Confirmez votre demande {request.reference}"
    follow = follow_path(confirmation)

    # when: the person follows the link
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(follow)

    # then: the address is confirmed and the request enters the queue; the DPO is told
    assert page.status_code == 200
    assert "Votre demande " + request.reference in page.content.decode()
    request.refresh_from_db()
    assert request.email_confirmed_at is not None
    assert list(request_list_for_operator(user=dpo)) == [request]
    assert sorted(m.to[0] for m in mail.outbox) == ["dpo@inherent.example", "zoe.petit@example.org"]

    # when: the person writes, with a file
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            follow,
            {
                "message-body": "J'ajoute ma lettre de candidature.",
                "message-attachments": [samples.upload("lettre.txt", samples.TEXT)],
            },
        )
    assert posted.status_code == 302
    message = request.messages.get()
    assert (message.from_requester, message.author) == (True, None)

    # when: the DPO answers with a file
    with django_capture_on_commit_callbacks(execute=True):
        services.request_answer_send(
            request=request,
            actor=dpo,
            body="Nous conservons votre CV et votre lettre.",
            files=[samples.upload("donnees.pdf", samples.PDF + b"% copie")],
        )

    # then: the answer and its file are on the follow page, and the file downloads
    page = client.get(follow).content.decode()
    assert "Nous conservons votre CV et votre lettre." in page
    request.refresh_from_db()
    assert request.status == Status.ANSWERED
    answer_file = request.attachments.get(original_name="donnees.pdf")
    download_url = reverse(
        "requests:public_attachment", kwargs={"token": follow.split("/")[-2], "pk": answer_file.pk}
    )
    assert download_url in page
    download = client.get(download_url)
    assert download.content == samples.PDF + b"% copie"
    assert download["Content-Disposition"] == 'attachment; filename="donnees.pdf"'

    # and the token is nowhere in the audit trail
    token = follow.split("/")[-2]
    for event in AuditEvent.objects.all():
        assert token not in str(event.details)
    downloaded = AuditEvent.objects.get(action="requests.attachment_downloaded")
    assert (downloaded.actor, downloaded.details) == (None, {"attachment": answer_file.pk})


def test_the_english_form_and_follow_link(
    client: Client, dpo: User, django_capture_on_commit_callbacks: CaptureCommits
) -> None:
    assert client.get("/en/rights/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/rights/", form_data())
    assert response["Location"] == "/en/rights/sent/"
    request = Request.objects.get()
    assert request.language == "en"
    [confirmation] = mail.outbox
    assert "/en/rights/follow/" in confirmation.body
    assert client.get(follow_path(confirmation)).status_code == 200


def test_the_honeypot_silently_drops_robots(client: Client) -> None:
    response = client.post("/droits/", form_data(website="http://spam.example"))
    assert response["Location"] == reverse("requests:public_sent")
    assert not Request.objects.exists()
    assert mail.outbox == []


def test_the_description_has_a_size_limit(client: Client) -> None:
    response = client.post("/droits/", form_data(description="x" * 5001))
    assert response.status_code == 400
    assert not Request.objects.exists()


def test_a_request_about_a_clients_data_names_the_client(
    client: Client, client_org: Organisation, operator: Organisation
) -> None:
    # given: the public page does not disclose the operator's clients; no client named
    assert client_org.name not in client.get("/droits/").content.decode()
    missing = client.post(
        "/droits/", form_data(requester_relation=RequesterRelation.CLIENT_DATA_SUBJECT)
    )
    assert missing.status_code == 400
    assert "Indiquez le client concerné" in missing.content.decode()

    # when
    client.post(
        "/droits/",
        form_data(
            requester_relation=RequesterRelation.CLIENT_DATA_SUBJECT,
            client_name_given=client_org.name.upper(),
        ),
    )

    # then: the operator's DPO team gets it, to forward
    request = Request.objects.get()
    assert (request.queue, request.client_organisation, request.requester_relation) == (
        Queue.OPERATOR,
        client_org,
        RequesterRelation.CLIENT_DATA_SUBJECT,
    )


def test_a_typed_client_name_is_kept(client: Client, operator: Organisation) -> None:
    client.post(
        "/droits/",
        form_data(
            requester_relation=RequesterRelation.CLIENT_DATA_SUBJECT,
            client_name_given="Boulangerie Martin",
        ),
    )
    request = Request.objects.get()
    assert (request.client_organisation, request.client_name_given) == (
        None,
        "Boulangerie Martin",
    )


def test_a_refused_file_leaves_nothing(client: Client, operator: Organisation) -> None:
    response = client.post(
        "/droits/", form_data(attachments=[samples.upload("piece.pdf", samples.ELF)])
    )
    assert response.status_code == 400
    assert "programme exécutable (ELF)" in response.content.decode()
    assert not Request.objects.exists()
    assert mail.outbox == []


def public_request(token_holder: list[str]) -> Request:
    request, token = services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PUBLIC_FORM,
        requester_name="Zoé Petit",
        requester_email="zoe@example.org",
        requester_relation=RequesterRelation.OPERATOR_DATA,
        rights=[Right.ERASURE],
        description="Effacez mes données",
    )
    assert token is not None
    token_holder.append(token)
    return request


def test_unknown_tokens_and_other_requests_files_are_not_found(
    client: Client, dpo: User, operator: Organisation
) -> None:
    # given: two requests, each with its own link
    tokens: list[str] = []
    mine, theirs = public_request(tokens), public_request(tokens)
    services.request_confirm_email(token=tokens[1])
    their_file = services.request_answer_send(
        request=theirs, actor=dpo, body="Réponse",
        files=[samples.upload("r.pdf", samples.PDF)],
    ).attachments.get()  # fmt: skip

    # then
    assert (
        client.get(reverse("requests:public_follow", kwargs={"token": "nope"})).status_code == 404
    )
    cross = reverse("requests:public_attachment", kwargs={"token": tokens[0], "pk": their_file.pk})
    assert client.get(cross).status_code == 404
    assert mine.email_confirmed_at is None
    assert not AuditEvent.objects.filter(action="requests.attachment_downloaded").exists()


def test_unconfirmed_requests_never_reach_the_operator_queue(dpo: User) -> None:
    tokens: list[str] = []
    public_request(tokens)
    assert list(request_list_for_operator(user=dpo)) == []


def test_the_follow_page_says_when_proof_of_identity_is_awaited(client: Client, dpo: User) -> None:
    tokens: list[str] = []
    request = public_request(tokens)
    services.request_confirm_email(token=tokens[0])
    services.request_ask_identity(
        request=request, actor=dpo, doubt_reason="Le nom ne correspond pas au compte."
    )
    page = client.get(reverse("requests:public_follow", kwargs={"token": tokens[0]}))
    content = page.content.decode()
    assert "En attente d&#x27;un justificatif d&#x27;identité" in content
    assert "Le nom ne correspond pas au compte." in content
    assert page["Cache-Control"].startswith("max-age=0")


def test_the_lookup_page_explains_without_looking_anything_up(
    client: Client, django_assert_num_queries: Callable[..., Any]
) -> None:
    with django_assert_num_queries(0):
        page = client.get(reverse("requests:public_lookup"), {"reference": "DR-2026-000001"})
    assert page.status_code == 200
    assert "Confirmez votre demande" in page.content.decode()


def test_the_form_states_the_notice_of_the_published_register(client: Client) -> None:
    # given
    from garde.register.defaults import register_load_default
    from garde.register.selectors import retention_rules_published

    register_load_default()
    rule = next(r for r in retention_rules_published() if r.activity_slug == "rights-requests")

    # when
    page = client.get("/droits/").content.decode()

    # then: the retention stated is the register's, and the full notice is one click away
    assert rule.description_fr in page
    assert f'href="{reverse("register:notice")}"' in page
