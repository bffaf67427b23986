"""Files joined to a request: checked by content against an allow-list, limited in size,
stored encrypted under the private area, opened only through an audited read.

The type is decided from the bytes themselves (signatures, and for office documents the
members of the zip or OLE2 container that prove what they are), never from the file name or
the content type the browser sends: an executable renamed ``.pdf`` is an executable.

Files are written to disk when ``attachment_add`` runs, so that the rest of the transaction can
read them. A database rollback cannot remove a file, so callers that add files inside a larger
transaction wrap it in ``atomic_with_files()``, which deletes the files written in it when it
fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import Path, PurePath
from typing import IO, Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garde.accounts.models import User
from garde.core.crypto import decrypt_bytes, encrypt_bytes
from garde.core.services import audit_record
from garde.requests import services
from garde.requests.errors import AttachmentError
from garde.requests.models import Attachment, Message, Request

MAX_FILES_PER_UPLOAD = 5
STORAGE_SUBDIR = "requests"


@dataclass(frozen=True)
class FileType:
    """An accepted type: what to call it, how to serve it, the names it usually ends with."""

    label: str | Promise
    mime: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType(gettext_lazy("image PNG"), "image/png", (".png",))
JPEG = FileType(gettext_lazy("image JPEG"), "image/jpeg", (".jpg", ".jpeg"))
GIF = FileType(gettext_lazy("image GIF"), "image/gif", (".gif",))
WEBP = FileType(gettext_lazy("image WebP"), "image/webp", (".webp",))
TEXT = FileType(gettext_lazy("texte brut"), "text/plain; charset=utf-8", (".txt", ".csv", ".md"))
# JSON is plain text that parses as JSON, named ``.json`` (answers and PIA packs, R-06).
JSON = FileType("JSON", "application/json", (".json",))
DOCX = FileType(
    gettext_lazy("document Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    gettext_lazy("classeur Excel"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
PPTX = FileType(
    gettext_lazy("présentation PowerPoint"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
ODT = FileType(
    gettext_lazy("texte OpenDocument"), "application/vnd.oasis.opendocument.text", (".odt",)
)
ODS = FileType(
    gettext_lazy("classeur OpenDocument"),
    "application/vnd.oasis.opendocument.spreadsheet",
    (".ods",),
)
ODP = FileType(
    gettext_lazy("présentation OpenDocument"),
    "application/vnd.oasis.opendocument.presentation",
    (".odp",),
)
DOC = FileType(gettext_lazy("document Word 97-2003"), "application/msword", (".doc",))
XLS = FileType(gettext_lazy("classeur Excel 97-2003"), "application/vnd.ms-excel", (".xls",))
PPT = FileType(
    gettext_lazy("présentation PowerPoint 97-2003"), "application/vnd.ms-powerpoint", (".ppt",)
)

ALLOWED_TYPES_TEXT = gettext_lazy(
    "PDF, images (PNG, JPEG, GIF, WebP), texte brut en UTF-8 (dont CSV et JSON), documents "
    "Word, Excel, PowerPoint ou OpenDocument"
)
ACCEPT_ATTRIBUTE = ",".join(
    ext
    for file_type in (
        PDF,
        PNG,
        JPEG,
        GIF,
        WEBP,
        TEXT,
        JSON,
        DOCX,
        XLSX,
        PPTX,
        ODT,
        ODS,
        ODP,
        DOC,
        XLS,
        PPT,
    )
    for ext in file_type.extensions
)

_OOXML_MAIN_PARTS = {
    b"wordprocessingml.document.main+xml": DOCX,
    b"spreadsheetml.sheet.main+xml": XLSX,
    b"presentationml.presentation.main+xml": PPTX,
}
_ODF_MIMETYPES = {ft.mime.encode(): ft for ft in (ODT, ODS, ODP)}
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names (UTF-16LE in the OLE2 directory) that prove a legacy Office document.
_OLE2_STREAMS = (
    ("WordDocument".encode("utf-16-le"), DOC),
    ("Workbook".encode("utf-16-le"), XLS),
    ("Book".encode("utf-16-le"), XLS),
    ("PowerPoint Document".encode("utf-16-le"), PPT),
)
_OLE2_MACROS = "_VBA_PROJECT".encode("utf-16-le")
_SMALL_MEMBER = 1024 * 1024  # [Content_Types].xml and mimetype are tiny; refuse odd ones

# Types we refuse but can name, so the message says what the file really is.
_KNOWN_REFUSED = (
    (b"\x7fELF", gettext_lazy("programme exécutable (ELF)")),
    (b"MZ", gettext_lazy("programme exécutable Windows")),
    (b"\xcf\xfa\xed\xfe", gettext_lazy("programme exécutable macOS")),
    (b"\xce\xfa\xed\xfe", gettext_lazy("programme exécutable macOS")),
    (b"\xca\xfe\xba\xbe", gettext_lazy("programme exécutable macOS ou classe Java")),
    (b"\x1f\x8b", gettext_lazy("archive gzip")),
    (b"7z\xbc\xaf\x27\x1c", gettext_lazy("archive 7-Zip")),
    (b"Rar!", gettext_lazy("archive RAR")),
)


class ContentRefusedError(Exception):
    """The content is recognised but refused; ``what`` says what it is."""

    def __init__(self, what: str | Promise) -> None:
        super().__init__(str(what))
        self.what = what


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: its bytes, its type and a safe display name."""

    name: str
    data: bytes
    file_type: FileType

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


# --- detection -----------------------------------------------------------------------------


def _zip_type(data: bytes) -> FileType:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if any(name.lower().endswith("vbaproject.bin") for name in members):
                raise ContentRefusedError(gettext_lazy("document bureautique contenant des macros"))
            mimetype = members.get("mimetype")
            if mimetype is not None and mimetype.file_size <= _SMALL_MEMBER:
                odf = _ODF_MIMETYPES.get(archive.read(mimetype).strip())
                if odf is not None:
                    if any(n.startswith(("Basic/", "Scripts/")) for n in members):
                        raise ContentRefusedError(
                            gettext_lazy("document bureautique contenant des macros")
                        )
                    return odf
            content_types = members.get("[Content_Types].xml")
            if content_types is not None and content_types.file_size <= _SMALL_MEMBER:
                declared = archive.read(content_types)
                if b"macroEnabled" in declared:
                    raise ContentRefusedError(
                        gettext_lazy("document bureautique contenant des macros")
                    )
                for main_part, file_type in _OOXML_MAIN_PARTS.items():
                    if main_part in declared:
                        return file_type
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        ValueError,
        RuntimeError,
        EOFError,
        NotImplementedError,
    ) as error:
        raise ContentRefusedError(gettext_lazy("archive ZIP illisible")) from error
    raise ContentRefusedError(gettext_lazy("archive ZIP"))


def _ole2_type(data: bytes) -> FileType:
    if _OLE2_MACROS in data:
        raise ContentRefusedError(gettext_lazy("document bureautique contenant des macros"))
    for stream, file_type in _OLE2_STREAMS:
        if stream in data:
            return file_type
    raise ContentRefusedError(
        gettext_lazy("conteneur OLE2 qui n'est pas un document Word, Excel ou PowerPoint")
    )


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def detect_file_type(data: bytes) -> FileType:
    """The accepted type of ``data``; otherwise raises ``ContentRefusedError`` saying what
    it is."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if data.startswith(_OLE2_SIGNATURE):
        return _ole2_type(data)
    if data.startswith(b"#!"):
        # A script is text, but text meant to run: refuse it by its first line.
        raise ContentRefusedError(gettext_lazy("script exécutable"))
    if _is_plain_text(data):
        return TEXT
    for signature, what in _KNOWN_REFUSED:
        if data.startswith(signature):
            raise ContentRefusedError(what)
    raise ContentRefusedError(gettext_lazy("type de fichier non reconnu"))


def safe_name(name: str, file_type: FileType) -> str:
    """The last path component without control characters, at most 255 characters, ending
    with an extension of its real type (``scan.pdf`` holding a PNG becomes ``scan.pdf.png``,
    so the person who downloads it opens it with the right program)."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?').strip(" .")
    base = base or _("fichier")
    if not base.lower().endswith(file_type.extensions):
        base += file_type.extensions[0]
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = stem[: 254 - len(ext)] + dot + ext
    return base


def attachment_check(*, upload: IO[bytes], name: str | None = None) -> CheckedFile:
    """Read ``upload`` and check its size and its content; raises ``AttachmentError`` with a
    message that says what is wrong. Reads at most one byte past the limit."""
    display = name if name is not None else str(getattr(upload, "name", "") or "")
    display = PurePath(display.replace("\\", "/")).name or _("fichier")
    limit: int = settings.GARDE_UPLOAD_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(display, declared, limit)
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise _too_large(display, len(data), limit)
    if not data:
        raise AttachmentError(
            _("Le fichier « %(name)s » est vide.") % {"name": display}, field="file"
        )
    try:
        file_type = detect_file_type(data)
    except ContentRefusedError as refused:
        raise AttachmentError(
            _(
                "Le fichier « %(name)s » est refusé : son contenu est de type « %(found)s ». "
                "Types acceptés : %(allowed)s."
            )
            % {"name": display, "found": refused.what, "allowed": ALLOWED_TYPES_TEXT},
            field="file",
        ) from None
    if file_type is TEXT and display.lower().endswith(".json") and _is_json(data):
        file_type = JSON
    return CheckedFile(name=safe_name(display, file_type), data=data, file_type=file_type)


def _too_large(name: str, size: int, limit: int) -> AttachmentError:
    return AttachmentError(
        _("Le fichier « %(name)s » pèse %(size)s : la limite est de %(limit)s par fichier.")
        % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        field="file",
    )


# --- storage -------------------------------------------------------------------------------

_written: ContextVar[list[Path] | None] = ContextVar("garde_attachment_files", default=None)


def _storage_path(storage_name: str) -> Path:
    return Path(settings.PRIVATE_DIR) / STORAGE_SUBDIR / storage_name


def private_file_write(path: Path, content: bytes) -> None:
    """Create ``path`` (never overwrite), owner-only, holding ``content``; inside
    ``atomic_with_files()`` the file is deleted if the transaction fails. Careers' CVs use it
    too."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    written = _written.get()
    if written is not None:
        written.append(path)


@contextlib.contextmanager
def atomic_with_files() -> Iterator[None]:
    """A transaction in which files may be added: if it fails, the rows roll back and the
    files written inside it are deleted, so a refused upload leaves nothing behind."""
    written: list[Path] = []
    reset = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        _written.reset(reset)


@transaction.atomic
def attachment_add(
    *,
    request: Request,
    upload: IO[bytes],
    uploaded_by: User | None,
    from_requester: bool,
    message: Message | None = None,
) -> Attachment:
    """Check ``upload`` by content and size, store it encrypted and record it on ``request``
    (and on ``message`` when given). Raises ``AttachmentError`` (field "file") before anything
    is written when the file is refused. The caller checks that the uploader may add files
    to this request."""
    if message is not None and message.request_id != request.pk:
        raise AttachmentError(_("Ce message appartient à une autre demande."), field="file")
    checked = attachment_check(upload=upload)
    storage_name = secrets.token_hex(16)
    path = _storage_path(storage_name)
    private_file_write(path, encrypt_bytes(checked.data))
    try:
        attachment = Attachment.objects.create(
            request=request,
            message=message,
            uploaded_by=uploaded_by,
            from_requester=from_requester,
            original_name=checked.name,
            content_type=checked.file_type.mime,
            size=len(checked.data),
            sha256=checked.sha256,
            storage_name=storage_name,
        )
        audit_record(
            action="requests.attachment_added",
            actor=uploaded_by,
            obj=request,
            organisation=request.organisation,
            details={
                "attachment": attachment.pk,
                "content_type": checked.file_type.mime,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def attachment_open(
    *, attachment: Attachment, actor: User | None, request_http: HttpRequest | None
) -> bytes:
    """The decrypted bytes of ``attachment``, after checking them against the recorded hash.
    A read of restricted data: audited with the reader and their address. The caller checks
    that ``actor`` (or the holder of the follow link, when ``actor`` is None) is on the
    request."""
    try:
        data = decrypt_bytes(_storage_path(attachment.storage_name).read_bytes())
    except (OSError, InvalidToken) as error:
        raise AttachmentError(
            _("Le fichier est introuvable ou illisible."), field="file"
        ) from error
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise AttachmentError(_("Le fichier a été altéré : il n'est pas servi."), field="file")
    audit_record(
        action="requests.attachment_downloaded",
        actor=actor,
        obj=attachment.request,
        organisation=attachment.request.organisation,
        request=request_http,
        details={"attachment": attachment.pk},
    )
    return data


def attachment_orphans_delete(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete stored files that no attachment row points to (left by a transaction that
    added files outside ``atomic_with_files`` and then rolled back). Only files older than
    ``older_than`` go, so a transaction still running keeps its files. Returns the count."""
    directory = Path(settings.PRIVATE_DIR) / STORAGE_SUBDIR
    if not directory.is_dir():
        return 0
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    on_disk = {p.name: p for p in directory.iterdir() if p.is_file()}
    known = set(Attachment.objects.values_list("storage_name", flat=True))
    deleted = 0
    for name, path in on_disk.items():
        if name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    if deleted:
        audit_record(action="requests.attachment_orphans_deleted", details={"count": deleted})
    return deleted


# --- actions with files --------------------------------------------------------------------


def request_submit_with_files(
    *, files: Sequence[IO[bytes]], uploaded_by: User | None, **fields: Any
) -> tuple[Request, str | None]:
    """``services.request_submit`` and its files, all or nothing: a refused file leaves no
    request, no file and no audit event behind (and nobody is told anything, as mail goes
    after commit)."""
    with atomic_with_files():
        request, token = services.request_submit(**fields)
        for upload in files:
            attachment_add(
                request=request, upload=upload, uploaded_by=uploaded_by, from_requester=True
            )
    return request, token


def message_post_with_files(
    *,
    request: Request,
    body: str,
    author: User | None,
    from_requester: bool,
    files: Sequence[IO[bytes]] = (),
) -> Message:
    """``services.message_post`` and its files, all or nothing: a refused file leaves the
    request, its thread and its earlier attachments exactly as they were."""
    with atomic_with_files():
        message = services.message_post(
            request=request, body=body, author=author, from_requester=from_requester
        )
        for upload in files:
            attachment_add(
                request=request,
                upload=upload,
                uploaded_by=author,
                from_requester=from_requester,
                message=message,
            )
    return message
