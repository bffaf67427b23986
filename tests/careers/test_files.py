"""CV checks (issue 8 point 4, R-71): PDF, DOCX or ODT decided by the bytes, at most 5 MB, zip
structure checked and zip bombs refused; the file is stored encrypted."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from garde.careers.errors import CvRefusedError
from garde.careers.files import CV_MAX_BYTES, cv_check, cv_read, cv_store
from tests.careers.conftest import cv_upload
from tests.requests import samples


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "stored_as", "mime"),
    [
        ("cv.pdf", samples.PDF, "cv.pdf", "application/pdf"),
        (
            "cv.docx",
            samples.docx(),
            "cv.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("cv.odt", samples.odt(), "cv.odt", "application/vnd.oasis.opendocument.text"),
        # Decided: the name never decides the type; a PDF named .docx is the PDF it is.
        ("cv.docx", samples.PDF, "cv.docx.pdf", "application/pdf"),
    ],
)
def test_r_71_a_pdf_docx_or_odt_cv_is_accepted_by_its_content(
    name: str, content: bytes, stored_as: str, mime: str
) -> None:
    # when
    checked = cv_check(upload=cv_upload(name, content))
    # then
    assert (checked.name, checked.file_type.mime, checked.data) == (stored_as, mime, content)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "cv.pdf",
            samples.PE,
            "Le fichier « cv.pdf » est refusé : son contenu est de type « programme exécutable "
            "Windows ». Envoyez votre CV en PDF, DOCX ou ODT.",
        ),
        (
            "cv.pdf",
            samples.ELF,
            "Le fichier « cv.pdf » est refusé : son contenu est de type « programme exécutable "
            "(ELF) ». Envoyez votre CV en PDF, DOCX ou ODT.",
        ),
        (
            "cv.docx",
            samples.xlsx(),
            "Le fichier « cv.docx » est refusé : son contenu est de type « classeur Excel ». "
            "Envoyez votre CV en PDF, DOCX ou ODT.",
        ),
        (
            "cv.docx",
            samples.docm(),
            "Le fichier « cv.docx » est refusé : son contenu est de type « document bureautique "
            "contenant des macros ». Envoyez votre CV en PDF, DOCX ou ODT.",
        ),
        (
            "cv.txt",
            samples.TEXT,
            "Le fichier « cv.txt » est refusé : son contenu est de type « texte brut ». "
            "Envoyez votre CV en PDF, DOCX ou ODT.",
        ),
        ("vide.pdf", b"", "Le fichier « vide.pdf » est vide."),
    ],
)
def test_a_disguised_or_wrong_cv_is_refused_with_what_it_really_is(
    name: str, content: bytes, message: str
) -> None:
    # when
    with pytest.raises(CvRefusedError) as refused:
        cv_check(upload=cv_upload(name, content))
    # then
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "cv_refused",
        "cv",
        message,
    )


def test_a_docx_without_word_document_xml_is_refused() -> None:
    # given: the content types of a Word document, but no document part
    fake = _zip(
        {
            "[Content_Types].xml": b'<Types><Override ContentType="application/vnd.openxmlformats-'
            b'officedocument.wordprocessingml.document.main+xml"/></Types>',
            "word/other.xml": b"<x/>",
        }
    )
    # when
    with pytest.raises(CvRefusedError) as refused:
        cv_check(upload=cv_upload("cv.docx", fake))
    # then
    assert refused.value.message == (
        "Le fichier « cv.docx » est refusé : document Word sans contenu (word/document.xml "
        "manquant). Envoyez votre CV en PDF, DOCX ou ODT."
    )


def test_a_zip_bomb_is_refused_on_its_declared_sizes() -> None:
    # given: a valid-looking DOCX whose document inflates to 60 MB
    bomb = _zip(
        {
            "[Content_Types].xml": samples._content_types(
                "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
            ),
            "word/document.xml": b"\x00" * (60 * 1024 * 1024),
        }
    )
    assert len(bomb) < CV_MAX_BYTES
    # when
    with pytest.raises(CvRefusedError) as refused:
        cv_check(upload=cv_upload("cv.docx", bomb))
    # then
    assert refused.value.message == (
        "Le fichier « cv.docx » est refusé : archive anormalement volumineuse une fois "
        "décompressée. Envoyez votre CV en PDF, DOCX ou ODT."
    )


def test_a_cv_over_5_mb_is_refused() -> None:
    # given
    big = samples.PDF + b"0" * CV_MAX_BYTES
    # when
    with pytest.raises(CvRefusedError) as refused:
        cv_check(upload=cv_upload("cv.pdf", big))
    # then
    assert refused.value.message == (
        "Le fichier « cv.pdf » pèse 5,0\xa0Mio : un CV doit peser au plus 5,0\xa0Mio."
    )


def test_a_cv_of_exactly_5_mb_is_accepted() -> None:
    # given
    exact = samples.PDF + b"0" * (CV_MAX_BYTES - len(samples.PDF))
    # when
    checked = cv_check(upload=cv_upload("cv.pdf", exact))
    # then
    assert len(checked.data) == CV_MAX_BYTES


def test_a_stored_cv_is_encrypted_at_rest_and_reads_back(private_dir: Path) -> None:
    # given
    checked = cv_check(upload=cv_upload())
    # when
    name = cv_store(checked)
    # then
    on_disk = (private_dir / "careers" / name).read_bytes()
    assert samples.PDF not in on_disk
    assert cv_read(storage_name=name, sha256=checked.sha256) == samples.PDF
    assert (private_dir / "careers" / name).stat().st_mode & 0o777 == 0o600
