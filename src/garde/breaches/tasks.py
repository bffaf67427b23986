"""Background work of the breach register. Tasks are idempotent: a reminder goes once, a
message to a person once."""

from __future__ import annotations

from django_tasks import task

from garde.breaches.persons import person_campaign_send
from garde.breaches.reminders import breaches_send_reminders


@task()
def breaches_send_reminders_task() -> int:
    """Reminders to the DPO team as a notification deadline nears and when it has passed."""
    return breaches_send_reminders()


@task()
def person_campaign_send_task(campaign_id: int) -> dict[str, int]:
    """Send the art. 34 message of a campaign to every pending recipient."""
    return person_campaign_send(campaign_id=campaign_id)
