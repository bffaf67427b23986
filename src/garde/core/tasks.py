"""Background work owned by core. Tasks take ids or nothing, and are safe to run twice."""

from __future__ import annotations

from django_tasks import task

from garde.core.services import audit_purge_expired


@task()
def purge_expired_audit_events() -> int:
    return audit_purge_expired()
