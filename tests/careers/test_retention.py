"""R-70: with the clock moved, applications and their CVs disappear three months after an
unsuccessful close without the candidate's agreement, one year after submission otherwise
(with agreement, hired, or never closed), and never earlier. Swept by the retention engine with
the default register's two "recruitment" rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from garde.accounts.models import User
from garde.careers.models import Application
from garde.careers.services import application_transition
from garde.register.defaults.loading import register_load_default
from garde.retention.registry import registry
from garde.retention.services import legal_hold_place, retention_sweep
from tests.careers.conftest import Submit, stored_files

pytestmark = pytest.mark.django_db(databases=["default", "connlogs"])

SUBMITTED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
CLOSED = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # refused one month after submission


@pytest.fixture(autouse=True)
def _register() -> None:
    with time_machine.travel(SUBMITTED - timedelta(days=30), tick=False):
        register_load_default()


def _refused(submit: Submit, hr: User, *, agreed: bool) -> Application:
    with time_machine.travel(SUBMITTED, tick=False):
        application = submit(keep_for_other_offers=agreed)
    with time_machine.travel(CLOSED, tick=False):
        application_transition(application=application, actor=hr, to="refused")
    return application


def _sweep_at(moment: datetime, capture: Any) -> None:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        retention_sweep()


def _alive(application: Application) -> bool:
    return Application.objects.filter(pk=application.pk).exists()


def test_r_70_refused_without_agreement_goes_three_months_after_the_close_not_before(
    submit: Submit,
    hr: User,
    private_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    application = _refused(submit, hr, agreed=False)
    # when: the day before the three months are up
    _sweep_at(datetime(2026, 5, 9, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert _alive(application)
    assert stored_files(private_dir) == [application.cv_storage_name]
    # when: the day after
    _sweep_at(datetime(2026, 5, 11, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert not _alive(application)
    assert stored_files(private_dir) == []


def test_r_70_refused_with_agreement_stays_until_one_year_after_submission(
    submit: Submit,
    hr: User,
    private_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    application = _refused(submit, hr, agreed=True)
    # when: well past three months after the close, a day before the year is up
    _sweep_at(datetime(2027, 1, 9, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert _alive(application)
    # when: the day after the year
    _sweep_at(datetime(2027, 1, 11, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert not _alive(application)
    assert stored_files(private_dir) == []


@pytest.mark.parametrize("status", ["received", "interview", "hired"])
def test_r_70_no_application_outlives_one_year_after_submission(
    submit: Submit,
    hr: User,
    private_dir: Path,
    status: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: an application still open, in interview, or hired (three months after the close
    # do not apply to them)
    with time_machine.travel(SUBMITTED, tick=False):
        application = submit()
    with time_machine.travel(CLOSED, tick=False):
        for step in {"received": [], "interview": ["interview"], "hired": ["interview", "hired"]}[
            status
        ]:
            application_transition(application=application, actor=hr, to=step)
    # when
    _sweep_at(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert _alive(application)
    # when
    _sweep_at(datetime(2027, 1, 11, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert not _alive(application)
    assert stored_files(private_dir) == []


def test_a_legal_hold_on_the_candidates_address_keeps_the_application(
    submit: Submit,
    hr: User,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    application = _refused(submit, hr, agreed=False)
    dpo = make_user("dpo")
    with time_machine.travel(CLOSED, tick=False):
        legal_hold_place(
            actor=dpo,
            reason="Contentieux prud'homal",
            legal_basis="litigation",
            email="camille@example.org",
        )
    # when
    _sweep_at(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    # then
    assert _alive(application)


def test_the_store_dates_records_from_submission_and_from_the_end_of_the_process() -> None:
    # when
    handler = registry.get("careers.applications")
    # then
    assert handler is not None
    assert (
        handler.supports_anchor("collection"),
        handler.supports_anchor("process_end"),
        handler.supports_anchor("last_contact"),
    ) == (True, True, False)
