"""Background work of the connection-log store. Idempotent: a second run signs nothing new."""

from __future__ import annotations

from django_tasks import task

from garde.connlogs.heads import heads_periodic


@task()
def connlogs_heads_sign_task() -> dict[str, int]:
    """Close the segments of past days (final heads) and sign a head of the open segment if it
    grew. Scheduled every minute (``core.schedule``); the interval of heads during a long
    ingest is ``GARDE_CONNLOGS_HEAD_INTERVAL_SECONDS``."""
    return {"signed": len(heads_periodic())}
