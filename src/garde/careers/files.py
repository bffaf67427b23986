"""CV files: checked by content, at most 5 MB, stored encrypted under the private area.

The checks and the storage are those of request attachments (``garde.requests.attachments``:
type decided from the bytes, Fernet encryption, files removed when the transaction that wrote
them fails); this module narrows the accepted types to what a CV is (PDF, DOCX, ODT), adds the
structure checks of a word-processing document and a guard against zip bombs, and keeps the
files in their own directory.

Decision: the file name never decides the type. A PDF named ``cv.docx`` is accepted as the PDF
it is, and stored as ``cv.docx.pdf`` so that HR opens it with the right program; an executable
named ``cv.pdf`` is refused, and the message says what it really is.
"""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path, PurePath
from typing import IO

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from garde.careers.errors import CvRefusedError
from garde.core.crypto import decrypt_bytes, encrypt_bytes
from garde.requests.attachments import (
    DOCX,
    ODT,
    PDF,
    CheckedFile,
    ContentRefusedError,
    detect_file_type,
    private_file_write,
    safe_name,
)

CV_MAX_BYTES = 5 * 1024 * 1024
CV_TYPES = (PDF, DOCX, ODT)
CV_ACCEPT_ATTRIBUTE = ",".join(ext for file_type in CV_TYPES for ext in file_type.extensions)
STORAGE_SUBDIR = "careers"
# Zip bomb guard, on the sizes the archive declares (Python's zipfile never inflates a member
# beyond its declared size, so the declared sizes bound what reading it can cost).
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024
ZIP_MAX_RATIO = 200


def _refused(name: str, what: str) -> CvRefusedError:
    return CvRefusedError(
        _("Le fichier « %(name)s » est refusé : %(what)s. Envoyez votre CV en PDF, DOCX ou ODT.")
        % {"name": name, "what": what},
        field="cv",
    )


def _zip_guard(data: bytes, display: str) -> set[str]:
    """The member names of the archive ``data``; refuses archives whose declared sizes could
    not be read safely."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _refused(display, _("archive ZIP illisible")) from error
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if (
        len(members) > ZIP_MAX_MEMBERS
        or total > ZIP_MAX_UNCOMPRESSED
        or total > max(compressed, 1) * ZIP_MAX_RATIO
    ):
        raise _refused(display, _("archive anormalement volumineuse une fois décompressée"))
    return {member.filename for member in members}


def cv_check(*, upload: IO[bytes], name: str | None = None) -> CheckedFile:
    """Read ``upload`` and check it is a CV: PDF, DOCX (``[Content_Types].xml`` and
    ``word/document.xml``) or ODT (``mimetype`` ``application/vnd.oasis.opendocument.text``),
    at most ``CV_MAX_BYTES``, decided from the bytes. Raises ``CvRefusedError`` (field "cv")
    saying what is wrong. Reads at most one byte past the limit."""
    display = name if name is not None else str(getattr(upload, "name", "") or "")
    display = PurePath(display.replace("\\", "/")).name or _("fichier")
    declared = getattr(upload, "size", None)
    upload.seek(0)
    data = (
        b"" if declared is not None and declared > CV_MAX_BYTES else upload.read(CV_MAX_BYTES + 1)
    )
    upload.seek(0)
    size = declared if declared is not None and declared > CV_MAX_BYTES else len(data)
    if size > CV_MAX_BYTES:
        raise CvRefusedError(
            _("Le fichier « %(name)s » pèse %(size)s : un CV doit peser au plus %(limit)s.")
            % {
                "name": display,
                "size": filesizeformat(size),
                "limit": filesizeformat(CV_MAX_BYTES),
            },
            field="cv",
        )
    if not data:
        raise CvRefusedError(_("Le fichier « %(name)s » est vide.") % {"name": display}, field="cv")
    members: set[str] = set()
    if data.startswith(b"PK\x03\x04"):
        members = _zip_guard(data, display)
    try:
        file_type = detect_file_type(data)
    except ContentRefusedError as refused:
        raise _refused(
            display, _("son contenu est de type « %(found)s »") % {"found": refused.what}
        ) from None
    if file_type not in CV_TYPES:
        raise _refused(
            display, _("son contenu est de type « %(found)s »") % {"found": file_type.label}
        )
    if file_type is DOCX and "word/document.xml" not in members:
        raise _refused(display, _("document Word sans contenu (word/document.xml manquant)"))
    return CheckedFile(name=safe_name(display, file_type), data=data, file_type=file_type)


def _path(storage_name: str) -> Path:
    return Path(settings.PRIVATE_DIR) / STORAGE_SUBDIR / storage_name


def cv_store(checked: CheckedFile) -> str:
    """Write ``checked`` encrypted under a new random name and return the name. Inside
    ``garde.requests.attachments.atomic_with_files()`` the file goes if the transaction
    fails."""
    storage_name = secrets.token_hex(16)
    private_file_write(_path(storage_name), encrypt_bytes(checked.data))
    return storage_name


def cv_read(*, storage_name: str, sha256: str) -> bytes:
    """The decrypted CV, checked against its recorded hash. Raises ``CvRefusedError``."""
    try:
        data = decrypt_bytes(_path(storage_name).read_bytes())
    except (OSError, InvalidToken) as error:
        raise CvRefusedError(_("Le CV est introuvable ou illisible."), field="cv") from error
    if hashlib.sha256(data).hexdigest() != sha256:
        raise CvRefusedError(_("Le CV a été altéré : il n'est pas servi."), field="cv")
    return data


def cv_delete_after_commit(storage_names: Iterable[str]) -> None:
    """Remove the files once the rows pointing to them are gone for good: a rolled-back
    erasure keeps its files."""
    paths = [_path(name) for name in storage_names if name]

    def unlink() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(unlink)
