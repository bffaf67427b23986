"""The portal's "RGPD" tab: the four forms and their routing, following a request, the
organisation's queue, and who may see what (by URL and by download link)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garde.accounts.models import Organisation, User
from garde.core.models import AuditEvent
from garde.requests import services
from garde.requests.attachments import attachment_add
from garde.requests.choices import (
    Channel,
    Queue,
    RequesterRelation,
    RequestKind,
    Right,
    Status,
)
from garde.requests.models import Attachment, Message, Request
from tests.conftest import log_in
from tests.requests import samples

pytestmark = pytest.mark.django_db

CaptureCommits = Callable[..., Any]


@pytest.fixture
def people(
    make_user: Callable[..., User], other_client_org: Organisation, settings: Any
) -> dict[str, User]:
    # Seven accounts: a fast hasher keeps the suite quick (log-in goes through force_login).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {
        "alice": make_user("member", email="alice@acme.example", full_name="Alice Bernard"),
        "bob": make_user("member", email="bob@acme.example", full_name="Bruno Garnier"),
        "admin": make_user("org_admin", email="admin@acme.example", full_name="Alain Martin"),
        "org_dpo": make_user("org_dpo", email="dpo@acme.example", full_name="Diane Moreau"),
        "outsider": make_user(
            "member", organisation=other_client_org, email="chloe@boreal.example"
        ),
        "outsider_admin": make_user(
            "org_admin", organisation=other_client_org, email="admin@boreal.example"
        ),
        "dpo": make_user("dpo", email="dpo@inherent.example", full_name="Delphine Pasquier"),
    }


def as_user(user: User) -> Client:
    return log_in(Client(), user)


def submit_rights(user: User, relation: str = RequesterRelation.CLIENT_USER) -> Request:
    request, _token = services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PORTAL,
        requester=user,
        requester_name=user.full_name,
        requester_email=user.email,
        requester_relation=relation,
        rights=[Right.ACCESS],
        description="Je voudrais une copie de mes données.",
    )
    return request


def add_file(request: Request, user: User, **kwargs: Any) -> Attachment:
    return attachment_add(
        request=request,
        upload=samples.upload("scan.pdf", samples.PDF),
        uploaded_by=user,
        from_requester=kwargs.pop("from_requester", True),
        **kwargs,
    )


def stored(private_dir: Path) -> list[str]:
    directory = private_dir / "requests"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def requests_of(user: User) -> QuerySet[Request]:
    return Request.objects.filter(requester=user)


# --- the four forms and their routing -----------------------------------------------------


def test_member_about_their_user_data_files_into_the_organisation_queue(
    people: dict[str, User],
    client_org: Organisation,
    django_capture_on_commit_callbacks: CaptureCommits,
) -> None:
    # given
    alice = people["alice"]
    client = as_user(alice)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests:portal_rights_new"),
            {
                "rights": [Right.ERASURE, Right.ACCESS],
                "requester_relation": RequesterRelation.CLIENT_USER,
                "services": "Messagerie",
                "description": "Effacez mon compte de messagerie.",
                "attachments": [samples.upload("scan.pdf", samples.PDF)],
            },
        )

    # then
    request = requests_of(alice).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:portal_detail", kwargs={"pk": request.pk})
    assert (request.kind, request.channel, request.queue, request.organisation) == (
        RequestKind.RIGHTS,
        Channel.PORTAL,
        Queue.ORGANISATION,
        client_org,
    )
    assert (request.rights, request.services) == (["access", "erasure"], "Messagerie")
    [attachment] = request.attachments.all()
    assert (attachment.original_name, attachment.from_requester, attachment.uploaded_by) == (
        "scan.pdf",
        True,
        alice,
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin@acme.example",
        "alice@acme.example",
        "dpo@acme.example",
    ]


def test_member_about_operator_data_files_into_the_operator_queue(
    people: dict[str, User], django_capture_on_commit_callbacks: CaptureCommits
) -> None:
    alice = people["alice"]
    with django_capture_on_commit_callbacks(execute=True):
        as_user(alice).post(
            reverse("requests:portal_rights_new"),
            {
                "rights": [Right.OBJECTION],
                "requester_relation": RequesterRelation.OPERATOR_DATA,
                "description": "Ne m'envoyez plus la newsletter.",
            },
        )
    request = requests_of(alice).get()
    assert request.queue == Queue.OPERATOR
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@acme.example", "dpo@inherent.example"]
    # the organisation does not see a member's request to the operator
    admin = as_user(people["admin"])
    assert admin.get(reverse("requests:org_detail", kwargs={"pk": request.pk})).status_code == 404
    assert (
        admin.get(reverse("requests:portal_detail", kwargs={"pk": request.pk})).status_code == 404
    )


def test_org_admin_assistance_request_goes_to_the_operator(people: dict[str, User]) -> None:
    # given
    admin = people["admin"]
    due = timezone.localdate() + timedelta(days=20)
    received = timezone.localdate() - timedelta(days=10)

    # when
    response = as_user(admin).post(
        reverse("requests:portal_assistance_new"),
        {
            "services": "Hébergement mutualisé",
            "rights": [Right.ACCESS],
            "description": "Un client de notre boutique demande ses données.",
            "subject_received_on": received.isoformat(),
            "client_due_date": due.isoformat(),
        },
    )

    # then
    request = requests_of(admin).get()
    assert response.status_code == 302
    assert (request.kind, request.queue, request.client_due_date) == (
        RequestKind.ASSISTANCE,
        Queue.OPERATOR,
        due,
    )
    assert request.description == (
        f"Demande reçue par notre organisation le {received:%d/%m/%Y}.\n\n"
        "Un client de notre boutique demande ses données."
    )
    # the organisation's DPO follows it among the requests sent to the operator
    page = as_user(people["org_dpo"]).get(reverse("requests:org_queue"))
    assert request.reference in page.content.decode()


def test_org_dpo_pia_request_goes_to_the_operator(people: dict[str, User]) -> None:
    as_user(people["org_dpo"]).post(
        reverse("requests:portal_pia_new"), {"services": "Sauvegarde externalisée"}
    )
    request = requests_of(people["org_dpo"]).get()
    assert (request.kind, request.queue, request.description) == (
        RequestKind.PIA,
        Queue.OPERATOR,
        "Informations pour une étude d'impact sur : Sauvegarde externalisée",
    )


def test_breach_report_reaches_the_dpo_team_at_once(
    people: dict[str, User], django_capture_on_commit_callbacks: CaptureCommits
) -> None:
    # given
    alice = people["alice"]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(alice).post(
            reverse("requests:portal_breach_new"),
            {
                "description": "Un tableur de clients est lisible sans mot de passe.",
                "breach_occurred_at": "2026-11-20T14:30",
                "services": "Partage de fichiers",
                "breach_data": "Noms et adresses e-mail de clients",
                "contact_phone": "+33 6 11 22 33 44",
            },
        )

    # then
    request = requests_of(alice).get()
    assert response.status_code == 302
    assert (request.kind, request.queue, request.breach_data) == (
        RequestKind.BREACH_REPORT,
        Queue.OPERATOR,
        "Noms et adresses e-mail de clients",
    )
    assert timezone.localtime(request.breach_occurred_at).strftime("%Y-%m-%d %H:%M") == (
        "2026-11-20 14:30"
    )
    assert request.description.endswith("Téléphone de contact : +33 6 11 22 33 44")
    to_dpo = [m for m in mail.outbox if m.to == ["dpo@inherent.example"]]
    assert [m.subject for m in to_dpo] == [
        f"Nouvelle demande {request.reference} (Signalement de violation de données)"
    ]
    assert reverse("requests:console_detail", kwargs={"pk": request.pk}) in to_dpo[0].body


def test_a_member_cannot_file_assistance_or_pia(people: dict[str, User]) -> None:
    client = as_user(people["alice"])
    for name in ("requests:portal_assistance_new", "requests:portal_pia_new"):
        assert client.post(reverse(name), {"services": "x"}).status_code == 403
    assert not Request.objects.exists()


# --- refused uploads ------------------------------------------------------------------------


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_recorded(
    people: dict[str, User], private_dir: Path
) -> None:
    # when
    response = as_user(people["alice"]).post(
        reverse("requests:portal_rights_new"),
        {
            "rights": [Right.ACCESS],
            "requester_relation": RequesterRelation.CLIENT_USER,
            "description": "Copie de mes données",
            "attachments": [
                samples.upload("scan.pdf", samples.PDF),
                samples.upload("facture.pdf", samples.ELF),
            ],
        },
    )

    # then
    assert response.status_code == 400
    assert (
        "Le fichier « facture.pdf » est refusé : son contenu est de type « programme "
        "exécutable (ELF) »" in response.content.decode()
    )
    assert not Request.objects.exists()
    assert stored(private_dir) == []
    assert not AuditEvent.objects.filter(action__startswith="requests.").exists()


def test_an_oversized_file_is_refused_with_a_clear_message(
    people: dict[str, User], settings: Any
) -> None:
    settings.GARDE_UPLOAD_MAX_BYTES = 2048
    response = as_user(people["alice"]).post(
        reverse("requests:portal_breach_new"),
        {
            "description": "Fuite",
            "attachments": [samples.upload("capture.pdf", samples.PDF + b"0" * 4096)],
        },
    )
    assert response.status_code == 400
    assert "la limite est de 2,0\xa0Kio par fichier" in response.content.decode()
    assert not Request.objects.exists()


def test_a_refused_file_on_a_message_keeps_the_request_and_its_earlier_files(
    people: dict[str, User], private_dir: Path
) -> None:
    # given
    alice = people["alice"]
    request = submit_rights(alice)
    earlier = add_file(request, alice)
    url = reverse("requests:portal_detail", kwargs={"pk": request.pk})
    events = AuditEvent.objects.count()

    # when
    response = as_user(alice).post(
        url,
        {
            "message-body": "Voici mon justificatif",
            "message-attachments": [samples.upload("passeport.pdf", samples.PE)],
        },
    )

    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "programme exécutable Windows" in page
    assert 'role="alert"' in page
    assert list(request.attachments.all()) == [earlier]
    assert not Message.objects.exists()
    assert stored(private_dir) == [earlier.storage_name]
    assert AuditEvent.objects.count() == events
    download = reverse("requests:portal_attachment", kwargs={"pk": earlier.pk})
    assert as_user(alice).get(download).content == samples.PDF


# --- following a request --------------------------------------------------------------------


def test_requester_sees_the_thread_without_internal_notes_and_posts_with_a_file(
    people: dict[str, User], django_capture_on_commit_callbacks: CaptureCommits
) -> None:
    # given
    alice, admin = people["alice"], people["admin"]
    request = submit_rights(alice)
    services.message_post(
        request=request, body="Note : vérifier l'ancien compte", author=admin,
        from_requester=False, internal=True,
    )  # fmt: skip
    services.message_post(
        request=request, body="Quel compte est concerné ?", author=admin, from_requester=False
    )
    client = as_user(alice)
    url = reverse("requests:portal_detail", kwargs={"pk": request.pk})

    # when
    page = client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "message-body": "Le compte alice@acme.example",
                "message-attachments": [samples.upload("capture.png", samples.png())],
            },
        )

    # then
    assert "Quel compte est concerné ?" in page
    assert "vérifier l&#x27;ancien compte" not in page
    assert "ancien compte" not in page
    assert response.status_code == 302
    message = request.messages.get(from_requester=True)
    assert (message.body, message.author, message.internal) == (
        "Le compte alice@acme.example",
        alice,
        False,
    )
    assert [a.original_name for a in message.attachments.all()] == ["capture.png"]
    # the organisation's handlers are told, with a link to their handling page
    handler_link = reverse("requests:org_detail", kwargs={"pk": request.pk})
    assert {m.to[0] for m in mail.outbox} == {"admin@acme.example", "dpo@acme.example"}
    assert all(handler_link in m.body for m in mail.outbox)


def test_the_tab_lists_own_requests_and_marks_overdue_ones(
    people: dict[str, User], django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # given
    alice = people["alice"]
    late = submit_rights(alice)
    Request.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    on_time = submit_rights(alice, RequesterRelation.OPERATOR_DATA)
    others = submit_rights(people["bob"])
    client = as_user(alice)
    url = reverse("web:portal_rgpd")
    client.get(url)  # warm the session and the user's memberships

    # when
    with django_assert_max_num_queries(8):
        page = client.get(url).content.decode()

    # then
    assert late.reference in page
    assert on_time.reference in page
    assert others.reference not in page
    assert page.count("En retard") == 1
    for _ in range(5):
        submit_rights(alice)
    with django_assert_max_num_queries(8):
        client.get(url)


def test_the_tab_offers_assistance_and_pia_only_to_org_admin_and_org_dpo(
    people: dict[str, User],
) -> None:
    member_page = as_user(people["alice"]).get(reverse("web:portal_rgpd")).content.decode()
    admin_page = as_user(people["admin"]).get(reverse("web:portal_rgpd")).content.decode()
    assistance = reverse("requests:portal_assistance_new")
    assert assistance not in member_page
    assert assistance in admin_page
    assert reverse("requests:org_privacy_contact") in admin_page


# --- who may see what -----------------------------------------------------------------------


def test_another_organisation_never_sees_a_request_by_url_or_download_link(
    people: dict[str, User],
) -> None:
    # given
    alice = people["alice"]
    request = submit_rights(alice)
    attachment = add_file(request, alice)
    urls = [
        reverse("requests:portal_detail", kwargs={"pk": request.pk}),
        reverse("requests:portal_attachment", kwargs={"pk": attachment.pk}),
        reverse("requests:org_detail", kwargs={"pk": request.pk}),
    ]

    # when / then
    for outsider in (people["outsider"], people["outsider_admin"]):
        client = as_user(outsider)
        for url in urls:
            expected = 403 if "organisation" in url and outsider == people["outsider"] else 404
            assert client.get(url).status_code == expected, (outsider, url)
    assert not AuditEvent.objects.filter(action="requests.attachment_downloaded").exists()


def test_a_member_cannot_see_another_members_request(people: dict[str, User]) -> None:
    alice = people["alice"]
    request = submit_rights(alice)
    attachment = add_file(request, alice)
    bob = as_user(people["bob"])
    assert bob.get(reverse("requests:portal_detail", kwargs={"pk": request.pk})).status_code == 404
    assert (
        bob.get(reverse("requests:portal_attachment", kwargs={"pk": attachment.pk})).status_code
        == 404
    )
    assert (
        bob.post(
            reverse("requests:portal_detail", kwargs={"pk": request.pk}), {"message-body": "x"}
        ).status_code
        == 404
    )
    assert not Message.objects.exists()


def test_files_of_internal_notes_reach_handlers_only(people: dict[str, User]) -> None:
    # given
    alice, admin = people["alice"], people["admin"]
    request = submit_rights(alice)
    note = services.message_post(
        request=request, body="Pièce du dossier interne", author=admin, from_requester=False,
        internal=True,
    )  # fmt: skip
    internal = add_file(request, admin, from_requester=False, message=note)
    url = reverse("requests:portal_attachment", kwargs={"pk": internal.pk})

    # then
    assert as_user(alice).get(url).status_code == 404
    response = as_user(admin).get(url)
    assert response.status_code == 200
    assert response.content == samples.PDF
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert response["Cache-Control"] == "no-store, private"


def test_an_org_handler_opening_a_members_request_lands_on_the_handling_page(
    people: dict[str, User],
) -> None:
    request = submit_rights(people["alice"])
    response = as_user(people["org_dpo"]).get(
        reverse("requests:portal_detail", kwargs={"pk": request.pk})
    )
    assert response["Location"] == reverse("requests:org_detail", kwargs={"pk": request.pk})


# --- the organisation's handling page -------------------------------------------------------


def org_action(user: User, request: Request, action: str, **data: Any) -> Any:
    fields = {f"{action}-{key}": value for key, value in data.items()}
    return as_user(user).post(
        reverse("requests:org_detail", kwargs={"pk": request.pk}), {"action": action, **fields}
    )


def test_the_organisation_assigns_asks_identity_extends_and_answers_with_a_file(
    people: dict[str, User], django_capture_on_commit_callbacks: CaptureCommits
) -> None:
    # given
    alice, admin = people["alice"], people["admin"]
    request = submit_rights(alice)

    # when
    assert org_action(admin, request, "assign").status_code == 302
    assert (
        org_action(admin, request, "identity", doubt_reason="Adresse inconnue").status_code == 302
    )
    waiting = as_user(alice).get(reverse("requests:portal_detail", kwargs={"pk": request.pk}))
    assert org_action(admin, request, "extend", extra_months=1, reason="Volume").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        answered = as_user(admin).post(
            reverse("requests:org_detail", kwargs={"pk": request.pk}),
            {
                "action": "answer",
                "answer-body": "Voici la copie de vos données.",
                "answer-attachments": [samples.upload("donnees.json", b'{"email": "a@b.c"}')],
            },
        )

    # then
    assert answered.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.assignee, request.identity_doubt_reason) == (
        Status.ANSWERED,
        admin,
        "Adresse inconnue",
    )
    assert request.extended_due_date is not None
    assert "En attente d&#x27;un justificatif d&#x27;identité" in waiting.content.decode()
    assert "Adresse inconnue" in waiting.content.decode()
    page = as_user(alice).get(reverse("requests:portal_detail", kwargs={"pk": request.pk}))
    assert "Voici la copie de vos données." in page.content.decode()
    [answer_file] = Attachment.objects.filter(message__isnull=False, from_requester=False)
    assert answer_file.original_name == "donnees.json"
    download = as_user(alice).get(
        reverse("requests:portal_attachment", kwargs={"pk": answer_file.pk})
    )
    assert download.content == b'{"email": "a@b.c"}'
    assert download["Content-Type"] == "application/json"
    assert [m.subject for m in mail.outbox] == [f"Réponse à votre demande {request.reference}"]


def test_a_refusal_needs_an_explanation_and_tells_of_the_cnil(people: dict[str, User]) -> None:
    alice, admin = people["alice"], people["admin"]
    request = submit_rights(alice)

    refused = org_action(admin, request, "refuse", reason="no_data", detail="")
    request.refresh_from_db()
    assert refused.status_code == 400
    assert request.status == Status.RECEIVED

    assert (
        org_action(admin, request, "refuse", reason="no_data", detail="Aucun compte.").status_code
        == 302
    )
    page = as_user(alice).get(reverse("requests:portal_detail", kwargs={"pk": request.pk}))
    assert "réclamation auprès de la CNIL" in page.content.decode()


def test_escalating_opens_a_linked_assistance_request_at_the_operator(
    people: dict[str, User],
) -> None:
    # given
    alice, org_dpo = people["alice"], people["org_dpo"]
    request = submit_rights(alice)

    # when
    response = org_action(org_dpo, request, "escalate", note="Données sur vos serveurs")
    again = org_action(org_dpo, request, "escalate", note="")

    # then
    assert response.status_code == 302
    assistance = Request.objects.get(parent=request)
    assert (assistance.kind, assistance.queue, assistance.requester) == (
        RequestKind.ASSISTANCE,
        Queue.OPERATOR,
        org_dpo,
    )
    assert again.status_code == 400
    assert Request.objects.filter(parent=request).count() == 1
    page = as_user(org_dpo).get(reverse("requests:org_detail", kwargs={"pk": request.pk}))
    assert assistance.reference in page.content.decode()


def test_internal_notes_stay_with_the_handlers(people: dict[str, User]) -> None:
    alice, admin = people["alice"], people["admin"]
    request = submit_rights(alice)
    org_action(admin, request, "note", body="Appeler le service informatique")
    assert request.messages.get().internal is True
    handler_page = as_user(people["org_dpo"]).get(
        reverse("requests:org_detail", kwargs={"pk": request.pk})
    )
    requester_page = as_user(alice).get(
        reverse("requests:portal_detail", kwargs={"pk": request.pk})
    )
    assert "Appeler le service informatique" in handler_page.content.decode()
    assert "Appeler le service informatique" not in requester_page.content.decode()


def test_an_unknown_action_is_not_found(people: dict[str, User]) -> None:
    request = submit_rights(people["alice"])
    assert org_action(people["admin"], request, "delete").status_code == 404


# --- privacy contact ------------------------------------------------------------------------


def test_org_admin_keeps_the_privacy_contact_current(
    people: dict[str, User], client_org: Organisation
) -> None:
    # given
    admin = people["admin"]
    previous = client_org.privacy_contact_email
    url = reverse("requests:org_privacy_contact")

    # when
    invalid = as_user(admin).post(url, {"email": "pas une adresse"})
    valid = as_user(admin).post(url, {"email": "RGPD@acme.example"})

    # then
    assert invalid.status_code == 400
    assert valid.status_code == 302
    client_org.refresh_from_db()
    assert client_org.privacy_contact_email == "rgpd@acme.example"
    event = AuditEvent.objects.get(action="requests.privacy_contact_updated")
    assert (event.actor, event.organisation, event.details) == (
        admin,
        client_org,
        {"from": previous, "to": "rgpd@acme.example"},
    )


def test_the_org_queue_lists_the_organisations_requests_by_due_date(
    people: dict[str, User],
) -> None:
    first = submit_rights(people["alice"])
    second = submit_rights(people["bob"])
    Request.objects.filter(pk=second.pk).update(due_date=date(2020, 1, 2))
    elsewhere = submit_rights(people["outsider"])
    page = as_user(people["admin"]).get(reverse("requests:org_queue")).content.decode()
    assert page.index(second.reference) < page.index(first.reference)
    assert elsewhere.reference not in page
    assert "En retard" in page


@pytest.mark.django_db
def test_r80_each_portal_form_shows_the_collection_notice_of_the_register(
    client: Client, make_user: Callable[..., User]
) -> None:
    from garde.register.defaults import register_load_default
    from tests.conftest import log_in as sign_in

    register_load_default()
    sign_in(client, make_user("org_admin"))
    for kind in ("rights", "assistance", "pia", "breach"):
        path = f"/portal/rgpd/{kind}/new/"
        body = client.get(path).content.decode()
        assert "Vos données dans ce formulaire" in body, path
        assert "dpd@adista.fr" in body, path
        assert "supprimée au bout de" not in body, path
