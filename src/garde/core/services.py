"""Writing the audit trail. Every service that changes state calls ``audit_record`` inside its
own transaction, so the change and its record commit or fail together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from garde.core.models import AuditEvent

if TYPE_CHECKING:
    from garde.accounts.models import Organisation, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    if getattr(settings, "GARDE_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    organisation: Organisation | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``organisation`` defaults to the actor's organisation; the actor's roles
    are copied as they are now, so later role changes do not rewrite history."""
    from garde.accounts.selectors import user_organisation, user_roles

    roles: frozenset[str] = frozenset()
    if actor is not None and actor.pk is not None:
        roles = user_roles(actor)
        if organisation is None:
            organisation = user_organisation(actor)
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor if actor is not None and actor.pk is not None else None,
        actor_roles=",".join(sorted(roles)),
        organisation=organisation,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        source_ip=client_ip(request),
        details=details or {},
    )
