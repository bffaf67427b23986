"""Request attachments: checked by content against the allow-list, limited in size, stored
encrypted, read only through an audited open, and all-or-nothing with the action they join."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import RequestFactory

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.requests import attachments, services
from garde.requests.attachments import (
    attachment_add,
    attachment_check,
    attachment_open,
    attachment_orphans_delete,
    message_post_with_files,
    request_submit_with_files,
)
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right
from garde.requests.errors import AttachmentError
from garde.requests.models import Attachment, Message, Request
from tests.requests import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user("member", email="alice@acme.example", full_name="Alice Bernard")


@pytest.fixture
def rights_request(member: User) -> Request:
    request, _token = services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PORTAL,
        requester=member,
        requester_name=member.full_name,
        requester_email=member.email,
        requester_relation=RequesterRelation.CLIENT_USER,
        rights=[Right.ACCESS],
        description="Copie de mes données",
    )
    return request


def stored_files(private_dir: Path) -> list[Path]:
    directory = private_dir / "requests"
    return sorted(directory.iterdir()) if directory.exists() else []


# --- what is accepted -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("scan.pdf", samples.PDF, "application/pdf"),
        ("photo.png", samples.png(), "image/png"),
        ("photo.jpg", samples.JPEG, "image/jpeg"),
        ("anim.gif", samples.GIF, "image/gif"),
        ("image.webp", samples.WEBP, "image/webp"),
        ("lettre.txt", samples.TEXT, "text/plain; charset=utf-8"),
        ("export.json", b'{"rights": ["access"]}', "application/json"),
        (
            "courrier.docx",
            samples.docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "tableau.xlsx",
            samples.xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("courrier.odt", samples.odt(), "application/vnd.oasis.opendocument.text"),
        ("ancien.doc", samples.legacy_doc(), "application/msword"),
    ],
)
def test_accepted_types_are_recognised_by_content(name: str, content: bytes, mime: str) -> None:
    # given: the browser claims a meaningless type
    upload = samples.upload(name, content, content_type="application/octet-stream")

    # when
    checked = attachment_check(upload=upload)

    # then
    assert (checked.name, checked.file_type.mime, checked.data) == (name, mime, content)


def test_a_file_named_for_another_type_gets_the_extension_of_its_content() -> None:
    checked = attachment_check(upload=samples.upload("scan.pdf", samples.png()))
    assert (checked.name, checked.file_type.mime) == ("scan.pdf.png", "image/png")


def test_a_path_in_the_name_is_dropped() -> None:
    checked = attachment_check(upload=samples.upload("..\\..\\etc/passwd.txt", samples.TEXT))
    assert checked.name == "passwd.txt"


# --- what is refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("facture.pdf", samples.ELF, "programme exécutable (ELF)"),
        ("facture.pdf", samples.PE, "programme exécutable Windows"),
        ("script.txt", b"#!/bin/sh\nrm -rf /\n", "script exécutable"),
        ("courrier.docx", samples.docm(), "document bureautique contenant des macros"),
        ("archive.docx", samples.plain_zip(), "archive ZIP"),
        ("latin1.txt", "données été".encode("latin-1"), "type de fichier non reconnu"),
        ("nul.txt", b"abc\x00def", "type de fichier non reconnu"),
    ],
)
def test_refused_content_is_named_in_the_message(name: str, content: bytes, found: str) -> None:
    with pytest.raises(AttachmentError) as refused:
        attachment_check(upload=samples.upload(name, content))

    assert refused.value.field == "file"
    assert refused.value.message == (
        f"Le fichier « {name} » est refusé : son contenu est de type « {found} ». Types "
        "acceptés : PDF, images (PNG, JPEG, GIF, WebP), texte brut en UTF-8 (dont CSV et JSON), "
        "documents Word, Excel, PowerPoint ou OpenDocument."
    )


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(settings: object) -> None:
    settings.GARDE_UPLOAD_MAX_BYTES = 1024  # type: ignore[attr-defined]
    with pytest.raises(AttachmentError) as refused:
        attachment_check(upload=samples.upload("gros.pdf", samples.PDF + b"0" * 2048))
    assert refused.value.message == (
        "Le fichier « gros.pdf » pèse 2,1\xa0Kio : la limite est de 1,0\xa0Kio par fichier."
    )


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(AttachmentError) as refused:
        attachment_check(upload=samples.upload("vide.pdf", b""))
    assert refused.value.message == "Le fichier « vide.pdf » est vide."


# --- storage and reading --------------------------------------------------------------------


def test_files_are_stored_encrypted_and_audited(
    rights_request: Request, member: User, private_dir: Path
) -> None:
    # given
    secret = b"Numero de passeport 12AB34567 de Alice Bernard"

    # when
    attachment = attachment_add(
        request=rights_request,
        upload=samples.upload("justificatif.txt", secret, "text/plain"),
        uploaded_by=member,
        from_requester=True,
    )

    # then: the bytes on disk are not the plaintext
    [stored] = stored_files(private_dir)
    assert stored.name == attachment.storage_name
    raw = stored.read_bytes()
    assert secret not in raw
    assert b"12AB34567" not in raw
    assert stored.stat().st_mode & 0o777 == 0o600
    assert attachment.sha256 == hashlib.sha256(secret).hexdigest()
    assert (attachment.size, attachment.original_name) == (len(secret), "justificatif.txt")
    event = AuditEvent.objects.get(action="requests.attachment_added")
    assert (event.actor, event.object_id) == (member, str(rights_request.pk))
    assert event.details == {
        "attachment": attachment.pk,
        "content_type": "text/plain; charset=utf-8",
        "size": len(secret),
        "sha256": attachment.sha256,
    }


def test_opening_decrypts_and_is_audited_with_the_address(
    rights_request: Request, member: User
) -> None:
    # given
    attachment = attachment_add(
        request=rights_request,
        upload=samples.upload("scan.pdf", samples.PDF),
        uploaded_by=member,
        from_requester=True,
    )
    http = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")

    # when
    data = attachment_open(attachment=attachment, actor=member, request_http=http)

    # then
    assert data == samples.PDF
    event = AuditEvent.objects.get(action="requests.attachment_downloaded")
    assert (event.actor, event.source_ip, event.details) == (
        member,
        "203.0.113.7",
        {"attachment": attachment.pk},
    )


def test_a_tampered_file_is_not_served(
    rights_request: Request, member: User, private_dir: Path
) -> None:
    attachment = attachment_add(
        request=rights_request,
        upload=samples.upload("scan.pdf", samples.PDF),
        uploaded_by=member,
        from_requester=True,
    )
    other = attachment_add(
        request=rights_request,
        upload=samples.upload("autre.pdf", samples.PDF + b"%autre"),
        uploaded_by=member,
        from_requester=True,
    )
    # the encrypted bytes of another file put in its place decrypt, but do not match the hash
    stored = private_dir / "requests" / attachment.storage_name
    stored.write_bytes((private_dir / "requests" / other.storage_name).read_bytes())

    with pytest.raises(AttachmentError):
        attachment_open(attachment=attachment, actor=member, request_http=None)
    assert not AuditEvent.objects.filter(action="requests.attachment_downloaded").exists()


def test_a_refused_file_writes_nothing(
    rights_request: Request, member: User, private_dir: Path
) -> None:
    with pytest.raises(AttachmentError):
        attachment_add(
            request=rights_request,
            upload=samples.upload("facture.pdf", samples.ELF),
            uploaded_by=member,
            from_requester=True,
        )
    assert stored_files(private_dir) == []
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="requests.attachment_added").exists()


# --- all or nothing -------------------------------------------------------------------------


def test_a_refused_second_file_leaves_no_request_and_no_file(
    member: User, private_dir: Path
) -> None:
    # given: a good file, then an executable renamed .pdf
    files = [samples.upload("scan.pdf", samples.PDF), samples.upload("facture.pdf", samples.ELF)]

    # when
    with pytest.raises(AttachmentError):
        request_submit_with_files(
            files=files,
            uploaded_by=member,
            kind=RequestKind.RIGHTS,
            channel=Channel.PORTAL,
            requester=member,
            requester_name=member.full_name,
            requester_email=member.email,
            requester_relation=RequesterRelation.CLIENT_USER,
            rights=[Right.ACCESS],
            description="Copie de mes données",
        )

    # then
    assert not Request.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(private_dir) == []
    assert not AuditEvent.objects.filter(action__startswith="requests.").exists()


def test_a_refused_file_on_a_message_keeps_the_request_and_earlier_files(
    rights_request: Request, member: User, private_dir: Path
) -> None:
    # given
    earlier = attachment_add(
        request=rights_request,
        upload=samples.upload("scan.pdf", samples.PDF),
        uploaded_by=member,
        from_requester=True,
    )
    events = AuditEvent.objects.count()

    # when
    with pytest.raises(AttachmentError):
        message_post_with_files(
            request=rights_request,
            body="Voici mon justificatif",
            author=member,
            from_requester=True,
            files=[samples.upload("ok.png", samples.png()), samples.upload("x.pdf", samples.PE)],
        )

    # then
    assert list(rights_request.attachments.all()) == [earlier]
    assert not Message.objects.exists()
    assert [p.name for p in stored_files(private_dir)] == [earlier.storage_name]
    assert AuditEvent.objects.count() == events
    assert attachment_open(attachment=earlier, actor=member, request_http=None) == samples.PDF


def test_orphaned_files_are_swept(rights_request: Request, member: User, private_dir: Path) -> None:
    # given: a file kept, and one whose row went away with a rolled-back transaction
    kept = attachment_add(
        request=rights_request,
        upload=samples.upload("scan.pdf", samples.PDF),
        uploaded_by=member,
        from_requester=True,
    )
    orphan = private_dir / attachments.STORAGE_SUBDIR / ("0" * 32)
    orphan.write_bytes(b"gAAAA")

    # when
    assert attachment_orphans_delete(older_than=timedelta(0)) == 1

    # then
    assert [p.name for p in stored_files(private_dir)] == [kept.storage_name]
