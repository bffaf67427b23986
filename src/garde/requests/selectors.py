"""Who may see which request. Every view and API handler goes through these functions, so the
rules live in one place:

- a requester sees their own requests;
- a client's org_admin or org_dpo sees the requests in their organisation's queue and the
  assistance, PIA and breach requests their organisation sent to the operator;
- a member never sees another member's requests;
- the operator's DPO team sees the operator's queue; other staff only what is assigned to them.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation, User
from garde.accounts.selectors import user_organisation, user_roles
from garde.core.roles import Role
from garde.requests.choices import OPEN_STATUSES, Channel, Queue, RequestKind
from garde.requests.models import Attachment, Message, Request

ORGANISATION_REQUEST_KINDS = (RequestKind.ASSISTANCE, RequestKind.PIA, RequestKind.BREACH_REPORT)


def request_list_for_requester(*, user: User) -> QuerySet[Request]:
    return Request.objects.filter(requester=user).order_by("-received_at")


def request_list_for_organisation(*, user: User) -> QuerySet[Request]:
    """What a client's org_admin/org_dpo handles or follows; nothing for other roles."""
    organisation = user_organisation(user)
    if organisation is None or not user_roles(user) & {Role.ORG_ADMIN, Role.ORG_DPO}:
        return Request.objects.none()
    return Request.objects.filter(
        Q(queue=Queue.ORGANISATION) | Q(kind__in=ORGANISATION_REQUEST_KINDS),
        organisation=organisation,
    )


def request_list_for_operator(*, user: User) -> QuerySet[Request]:
    """The operator's queue for the DPO team (confirmed requests only); assigned ones for
    other staff."""
    roles = user_roles(user)
    confirmed = Request.objects.filter(queue=Queue.OPERATOR, email_confirmed_at__isnull=False)
    if Role.DPO in roles:
        return confirmed
    return confirmed.filter(assignee=user)


def request_list_for_api_key(*, organisation: Organisation) -> QuerySet[Request]:
    """What an API key of ``organisation`` may read: an operator key reads the operator's
    queue; a client key reads what the client's org_admin/org_dpo handles or follows (never a
    member's own request to the operator), plus every request it filed through the API, so a
    client can always read back what it submitted."""
    if organisation.kind == OrganisationKind.OPERATOR:
        return Request.objects.filter(queue=Queue.OPERATOR, email_confirmed_at__isnull=False)
    return Request.objects.filter(
        Q(queue=Queue.ORGANISATION)
        | Q(kind__in=ORGANISATION_REQUEST_KINDS)
        | Q(channel=Channel.API, requester__isnull=True),
        organisation=organisation,
    )


def request_get_for_participant(*, user: User, pk: int) -> Request | None:
    """A request the user filed or handles in their organisation, or None."""
    return (
        (request_list_for_requester(user=user) | request_list_for_organisation(user=user))
        .filter(pk=pk)
        .first()
    )


def request_get_for_org_handler(*, user: User, pk: int) -> Request | None:
    """A request in the queue of the organisation the user handles as org_admin/org_dpo."""
    return request_list_for_organisation(user=user).filter(pk=pk, queue=Queue.ORGANISATION).first()


def request_console_counts(*, requests: QuerySet[Request]) -> dict[str, Any]:
    """Figures for the console: open, due within a week, overdue, median days to answer."""
    today = timezone.localdate()
    open_requests = list(
        requests.filter(status__in=OPEN_STATUSES).values_list("due_date", "extended_due_date")
    )
    due = [extended or first for first, extended in open_requests]
    answered = requests.filter(answered_at__isnull=False).values_list("received_at", "answered_at")
    durations = [
        (answered_at - received).total_seconds() / 86400
        for received, answered_at in answered
        if answered_at is not None
    ]
    return {
        "open": len(due),
        "due_this_week": sum(1 for d in due if today <= d <= today + timedelta(days=7)),
        "overdue": sum(1 for d in due if d < today),
        "median_days_to_answer": round(median(durations), 1) if durations else None,
    }


def message_list_for_requester(*, request: Request) -> QuerySet[Message]:
    """The thread as the requester sees it: never an internal note."""
    return (
        request.messages.filter(internal=False)
        .select_related("author")
        .prefetch_related("attachments")
    )


def message_list_for_handler(*, request: Request) -> QuerySet[Message]:
    """The thread with the internal notes, for the people who handle the request."""
    return request.messages.select_related("author").prefetch_related("attachments")


def attachment_get_for_client_user(*, user: User, pk: int) -> Attachment | None:
    """A file a client user may download: any file of a request in their organisation's queue
    when they handle it, else a requester-visible file of a request they take part in."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        return None
    if request_get_for_org_handler(user=user, pk=attachment.request_id) is not None:
        return attachment
    request = request_get_for_participant(user=user, pk=attachment.request_id)
    if request is None or not attachment_list_for_requester(request=request).filter(pk=pk).exists():
        return None
    return attachment


def attachment_list_for_requester(*, request: Request) -> QuerySet[Attachment]:
    """Files the requester may download: theirs, the answer's, and documents joined to the
    request itself (letters, packs); never a file joined to an internal note."""
    return request.attachments.filter(Q(message__isnull=True) | Q(message__internal=False))
