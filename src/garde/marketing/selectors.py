"""Reading the contact and callback queue. Only the marketing and sales teams see it: every
selector takes the acting user and returns nothing to anyone else."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import User
from garde.accounts.selectors import user_roles
from garde.core.roles import Role
from garde.marketing.models import ContactNote, ContactRequest

QUEUE_ROLES: frozenset[str] = frozenset({Role.MARKETING, Role.SALES})


def contact_queue_allowed(user: User) -> bool:
    return bool(user.is_authenticated and user_roles(user) & QUEUE_ROLES)


def contact_handlers() -> QuerySet[User]:
    """Operator staff who may be assigned a submission: the marketing and sales teams."""
    return (
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            memberships__organisation__kind=OrganisationKind.OPERATOR,
            memberships__role__in=sorted(QUEUE_ROLES),
        )
        .distinct()
        .order_by("full_name", "email")
    )


def contact_request_list(
    *,
    user: User,
    status: str = "",
    kind: str = "",
    assignee: str = "",
    query: str = "",
) -> QuerySet[ContactRequest]:
    """The queue, newest first, filtered. ``assignee``: "me", "none", a user id, or "" (all);
    ``query`` searches names, companies, e-mail addresses, phone numbers and subjects."""
    if not contact_queue_allowed(user):
        return ContactRequest.objects.none()
    rows = ContactRequest.objects.select_related("assignee").annotate(note_count=Count("notes"))
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if assignee == "me":
        rows = rows.filter(assignee=user)
    elif assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif assignee.isdigit():
        rows = rows.filter(assignee_id=int(assignee))
    query = query.strip()
    if query:
        rows = rows.filter(
            Q(name__icontains=query)
            | Q(company__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
            | Q(subject__icontains=query)
        )
    return rows.order_by("-submitted_at", "-id")


def contact_request_get(*, user: User, pk: int) -> ContactRequest | None:
    if not contact_queue_allowed(user):
        return None
    return ContactRequest.objects.select_related("assignee").filter(pk=pk).first()


def contact_note_list(*, contact_request: ContactRequest) -> QuerySet[ContactNote]:
    return contact_request.notes.select_related("author").order_by("created_at", "id")


def contact_queue_counts(*, user: User) -> dict[str, int]:
    """How many submissions are in each status (the queue's header)."""
    if not contact_queue_allowed(user):
        return {}
    rows = ContactRequest.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}
