"""Careers fixtures: a private area per test, an HR user, offers, and a helper that submits an
application through the service."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garde.accounts.models import User
from garde.careers import services
from garde.careers.models import Application, JobOffer
from tests.requests import samples

Submit = Callable[..., Application]


@pytest.fixture(autouse=True)
def private_dir(settings: Any, tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir()
    settings.PRIVATE_DIR = private
    return private


@pytest.fixture
def hr(make_user: Callable[..., User]) -> User:
    return make_user("hr", full_name="Hélène RH")


@pytest.fixture
def offer(hr: User) -> JobOffer:
    return services.offer_create(
        actor=hr,
        title="Ingénieur réseau",
        location="Nancy",
        description="Administrer nos réseaux.",
    )


def cv_upload(name: str = "cv.pdf", content: bytes = samples.PDF) -> SimpleUploadedFile:
    return samples.upload(name, content)


@pytest.fixture
def submit(db: None) -> Submit:
    """``submit(offer=None, **fields)``: an application through the service, with a PDF CV."""

    def make(offer: JobOffer | None = None, **fields: Any) -> Application:
        values: dict[str, Any] = {
            "full_name": "Camille Martin",
            "email": "camille@example.org",
            "phone": "+33 6 12 34 56 78",
            "position": "Ingénieur réseau",
            "motivation": "Passionnée de réseaux.",
            "keep_for_other_offers": False,
            "cv": cv_upload(),
            "submission_key": uuid.uuid4(),
            "language": "fr",
            **fields,
        }
        return services.application_submit(offer=offer, **values)

    return make


def stored_files(private_dir: Path) -> list[str]:
    directory = private_dir / "careers"
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
