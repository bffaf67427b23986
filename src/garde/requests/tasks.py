"""Background work of the RGPD requests. Each task is idempotent: running it twice sends no
reminder twice and deletes nothing twice."""

from __future__ import annotations

from django_tasks import task

from garde.requests.attachments import attachment_orphans_delete
from garde.requests.services import requests_discard_unconfirmed, requests_send_reminders


@task()
def requests_send_reminders_task() -> int:
    """Reminders to handlers 7 and 2 days before a due date."""
    return requests_send_reminders()


@task()
def requests_housekeeping_task() -> dict[str, int]:
    """Public submissions never confirmed within 7 days are deleted, then the encrypted files
    no attachment points to any more (theirs, or those of a rolled-back upload)."""
    discarded = requests_discard_unconfirmed()
    return {"discarded": discarded, "orphan_files": attachment_orphans_delete()}
