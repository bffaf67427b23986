"""Core API routes: health, and the audit trail of the key's organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connections
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from garde import __version__
from garde.api.auth import api_key
from garde.api.choices import ApiScope
from garde.core.models import AuditEvent
from garde.core.selectors import audit_event_list_for_organisation

router = Router(tags=["core"])


class HealthOut(Schema):
    status: str
    version: str
    databases: dict[str, str]


@router.get(
    "/health",
    response={200: HealthOut, 503: HealthOut},
    auth=None,
    summary="Liveness and database check (503 when a database is unreachable)",
)
def get_health(request: HttpRequest) -> Status[dict[str, Any]]:
    databases: dict[str, str] = {}
    for alias in ("default", "connlogs"):
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            databases[alias] = "ok"
        except Exception:
            databases[alias] = "unavailable"
    healthy = all(v == "ok" for v in databases.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "databases": databases,
    }
    return Status(200 if healthy else 503, body)


class AuditEventOut(Schema):
    id: int
    occurred_at: datetime
    action: str
    actor_id: int | None
    actor_roles: str
    object_type: str
    object_id: str
    source_ip: str | None
    details: dict[str, Any]


class AuditFilter(Schema):
    action: str = Field("", max_length=100, description="Action prefix, e.g. accounts.")
    since: datetime | None = None
    limit: int = Field(100, ge=1, le=1000)
    before_id: int | None = Field(None, ge=1, description="Cursor: events older than this id")


@router.get(
    "/audit/events",
    response=list[AuditEventOut],
    auth=api_key(ApiScope.AUDIT_READ),
    summary="Audit events of the key's organisation, newest first",
)
def list_audit_events(request: HttpRequest, filters: Query[AuditFilter]) -> list[AuditEvent]:
    key = request.api_key  # type: ignore[attr-defined]
    return audit_event_list_for_organisation(
        organisation=key.organisation,
        action=filters.action,
        since=filters.since,
        before_id=filters.before_id,
        limit=filters.limit,
    )
