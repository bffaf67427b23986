"""Background work of the newsletter. Tasks take ids, are idempotent and safe to run twice
(a delivery is claimed before it is sent, see ``newsletter_sending``)."""

from __future__ import annotations

from django_tasks import task

from garde.marketing.newsletter_sending import mailing_send_batch, mailings_resume_stalled
from garde.marketing.newsletter_services import newsletter_discard_unconfirmed


@task()
def newsletter_mailing_send_task(mailing_id: int) -> bool:
    """Send one batch of a mailing, then enqueue the next one; True if more remain."""
    more = mailing_send_batch(mailing_id=mailing_id)
    if more:
        newsletter_mailing_send_task.enqueue(mailing_id)
    return more


@task()
def newsletter_housekeeping_task() -> dict[str, object]:
    """Sign-ups not confirmed within 7 days are deleted; sends whose worker died resume."""
    return {
        "discarded": newsletter_discard_unconfirmed(),
        "resumed": mailings_resume_stalled(),
    }
