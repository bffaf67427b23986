"""Reading the audit trail, scoped to what the viewer may see."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from garde.core.models import AuditEvent
from garde.core.roles import Role

if TYPE_CHECKING:
    from garde.accounts.models import Organisation, User


def audit_event_list_for_organisation(
    *,
    organisation: Organisation,
    action: str = "",
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """An organisation's events, newest first, for its API keys (keyset cursor ``before_id``)."""
    events = AuditEvent.objects.filter(organisation=organisation)
    if action:
        events = events.filter(action__startswith=action)
    if since:
        events = events.filter(occurred_at__gte=since)
    if before_id:
        events = events.filter(id__lt=before_id)
    return list(events.order_by("-id")[:limit])


def audit_event_list_for_viewer(
    *,
    viewer: User,
    action: str = "",
    actor_query: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The DPO sees everything; a client's org_admin or org_dpo sees the events of their
    organisation; anyone else sees the events they caused. Filters narrow that set."""
    from garde.accounts.selectors import user_organisation, user_roles

    roles = user_roles(viewer)
    events = AuditEvent.objects.select_related("actor", "organisation")
    if Role.DPO in roles:
        pass
    elif roles & {Role.ORG_ADMIN, Role.ORG_DPO}:
        events = events.filter(organisation=user_organisation(viewer))
    else:
        events = events.filter(actor=viewer)
    if action:
        events = events.filter(action__startswith=action)
    if actor_query:
        events = events.filter(
            Q(actor__email__icontains=actor_query) | Q(actor__full_name__icontains=actor_query)
        )
    if date_from:
        events = events.filter(occurred_at__date__gte=date_from)
    if date_to:
        events = events.filter(occurred_at__date__lte=date_to)
    return events
