"""Periodic jobs, enqueued by whichever worker claims them first.

Apps add entries to ``PERIODIC_JOBS``: (name, interval, dotted path of a task).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from garde.core.models import PeriodicJobRun

logger = logging.getLogger(__name__)

PERIODIC_JOBS: list[tuple[str, timedelta, str]] = [
    # Applies the published register's retention rules, the audit trail's included.
    ("retention.sweep", timedelta(days=1), "garde.retention.tasks.retention_sweep_daily"),
    ("connlogs.heads", timedelta(seconds=60), "garde.connlogs.tasks.connlogs_heads_sign_task"),
    # Deadline reminders run hourly so a reminder goes out the day it falls due.
    ("requests.reminders", timedelta(hours=1), "garde.requests.tasks.requests_send_reminders_task"),
    (
        "requests.housekeeping",
        timedelta(hours=6),
        "garde.requests.tasks.requests_housekeeping_task",
    ),
    # Unconfirmed newsletter sign-ups (7 days) and stalled mailings.
    (
        "marketing.newsletter",
        timedelta(hours=1),
        "garde.marketing.newsletter_tasks.newsletter_housekeeping_task",
    ),
    # Breach notification clock: a reminder near the deadline and one when it has passed.
    (
        "breaches.reminders",
        timedelta(hours=1),
        "garde.breaches.tasks.breaches_send_reminders_task",
    ),
]


def _claim(name: str, interval: timedelta) -> bool:
    now = timezone.now()
    claimed = PeriodicJobRun.objects.filter(name=name, last_enqueued_at__lte=now - interval).update(
        last_enqueued_at=now
    )
    if claimed:
        return True
    try:
        with transaction.atomic():
            PeriodicJobRun.objects.create(name=name, last_enqueued_at=now)
    except IntegrityError:
        return False
    return True


def enqueue_due_jobs() -> list[str]:
    """Enqueue every job whose interval has passed; returns the names enqueued."""
    enqueued = []
    for name, interval, task_path in PERIODIC_JOBS:
        if _claim(name, interval):
            import_string(task_path).enqueue()
            enqueued.append(name)
    return enqueued


def start_scheduler(*, every_seconds: float = 30.0) -> threading.Thread:
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                for name in enqueue_due_jobs():
                    logger.info("enqueued periodic job %s", name)
            except Exception:
                logger.exception("periodic scheduling failed; retrying")
            stop.wait(every_seconds)

    thread = threading.Thread(target=loop, name="garde-scheduler", daemon=True)
    thread.start()
    return thread
