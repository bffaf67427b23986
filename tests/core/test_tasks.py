"""Background work: a task enqueued through the database backend is run by a separate
`garde worker` process; periodic jobs are claimed once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus

from garde.accounts.models import User
from garde.core.models import AuditEvent, PeriodicJobRun
from garde.core.schedule import enqueue_due_jobs
from garde.core.services import audit_record
from garde.retention.tasks import retention_sweep_daily
from tests.retention.factories import register_publish, retention_rule


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_a_task_enqueued_through_the_database_backend(
    make_user: Callable[..., User],
) -> None:
    # given: a published one-year rule, an expired audit event, and the sweep on the queue
    register_publish(retention_rule())
    user = make_user("member")
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        old = audit_record(action="old", actor=user)
    result = retention_sweep_daily.enqueue()
    assert result.status == TaskResultStatus.READY
    # when: a separate worker process drains the queue
    env = {**os.environ, "GARDE_DATABASE_URL": _database_url()}
    completed = subprocess.run(
        [sys.executable, "-m", "garde", "worker", "--batch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then
    assert completed.returncode == 0, completed.stderr
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value is not None
    assert result.return_value["erased"] == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_periodic_jobs_are_enqueued_once_per_interval() -> None:
    now = timezone.now()
    first = enqueue_due_jobs()
    again = enqueue_due_jobs()
    with time_machine.travel(now + timedelta(hours=1, minutes=1)):
        next_hour = enqueue_due_jobs()
    with time_machine.travel(now + timedelta(days=1, minutes=1)):
        next_day = enqueue_due_jobs()
    everything = [
        "retention.sweep",
        "connlogs.heads",
        "requests.reminders",
        "requests.housekeeping",
        "marketing.newsletter",
        "breaches.reminders",
    ]
    assert first == everything
    assert again == []
    assert next_hour == [
        "connlogs.heads",
        "requests.reminders",
        "marketing.newsletter",
        "breaches.reminders",
    ]
    assert next_day == everything
    assert PeriodicJobRun.objects.count() == 6
