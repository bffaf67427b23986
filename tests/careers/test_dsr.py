"""Issue 8 point 5 for this store: the rights-request engine finds a person's applications and
HR's notes through the built-in dataset ``garde_careers`` (never the CV's storage name), and
erasing them goes through the careers service, which removes the CV file too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from garde.careers import services
from garde.careers.models import Application
from garde.dsr.builtin import builtin_sync
from garde.dsr.connectors import internal
from garde.dsr.connectors.internal import InternalConnector
from garde.dsr.datasets import spec_from_dict
from garde.dsr.models import Dataset
from garde.dsr.runtime import access_collect
from tests.careers.conftest import Submit, stored_files
from tests.requests import samples


@pytest.mark.django_db(transaction=True)
def test_access_finds_the_persons_applications_and_notes_without_storage_names(
    submit: Submit, hr: Any
) -> None:
    # given
    builtin_sync()
    mine = submit(email="camille@example.org")
    services.application_note_add(application=mine, actor=hr, body="Profil solide.")
    submit(email="other@example.org", full_name="Autre Personne")
    # when
    _plan, result = access_collect({"email": "camille@example.org"})
    # then
    assert result.failures == []
    careers = result.data["garde_careers"]
    assert [(row["id"], row["full_name"], row["cv_name"]) for row in careers["application"]] == [
        (mine.pk, "Camille Martin", "cv.pdf")
    ]
    assert careers["application"][0]["cv_size"] == len(samples.PDF)
    assert [row["body"] for row in careers["note"]] == ["Profil solide."]
    every_field = {name for rows in careers.values() for row in rows for name in row}
    assert every_field.isdisjoint({"cv_storage_name", "submission_key"})


@pytest.mark.django_db(transaction=True)
def test_erasure_through_the_engine_removes_the_application_and_its_cv(
    submit: Submit, private_dir: Path
) -> None:
    # given: the dataset names the careers eraser (a service, not a raw DELETE)
    assert "careers.application_erase" in internal.ERASERS
    builtin_sync()
    application = submit()
    spec = spec_from_dict(Dataset.objects.get(fides_key="garde_careers").spec)
    collection = spec.collection("application")
    assert collection is not None
    # when
    erased = InternalConnector().delete(collection, primary_keys=[{"id": application.pk}])
    # then
    assert erased == 1
    assert Application.objects.count() == 0
    assert stored_files(private_dir) == []
