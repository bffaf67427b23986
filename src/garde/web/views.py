"""Public home, the client portal shell with its "RGPD" tab, the DPO console shell, and the
audit-trail pages."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from garde.accounts.models import User
from garde.accounts.selectors import user_roles
from garde.core.permissions import public, roles_required
from garde.core.roles import CLIENT_ROLES, STAFF_ROLES, Role
from garde.core.selectors import audit_event_list_for_viewer
from garde.requests.choices import OPEN_STATUSES, Queue
from garde.requests.selectors import request_list_for_organisation, request_list_for_requester

AUDIT_PAGE_SIZE = 50


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 as JSON under /api/ (clients parse errors), as a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "field": None, "message": "No such API route."}},
            status=404,
        )
    return render(request, "404.html", status=404)


@public
def home_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@roles_required(*CLIENT_ROLES)
def portal_home_view(request: HttpRequest) -> HttpResponse:
    return redirect("web:portal_rgpd")


@roles_required(*CLIENT_ROLES)
def portal_rgpd_view(request: HttpRequest) -> HttpResponse:
    """The "RGPD" tab: the user's own requests and the forms (requests app)."""
    user: User = request.user  # type: ignore[assignment]
    can_handle = bool(user_roles(user) & {Role.ORG_ADMIN, Role.ORG_DPO})
    org_open = (
        request_list_for_organisation(user=user)
        .filter(queue=Queue.ORGANISATION, status__in=OPEN_STATUSES)
        .count()
        if can_handle
        else 0
    )
    return render(
        request,
        "requests/portal_tab.html",
        {
            "tab": "rgpd",
            "my_requests": request_list_for_requester(user=user),
            "can_handle": can_handle,
            "org_open": org_open,
            "today": timezone.localdate(),
            "open_statuses": [str(s) for s in OPEN_STATUSES],
        },
    )


@roles_required(*STAFF_ROLES)
def console_home_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/console_home.html")


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _audit_page(request: HttpRequest, template: str, extra: dict[str, object]) -> HttpResponse:
    viewer: User = request.user  # type: ignore[assignment]
    filters = {
        "action": request.GET.get("action", "").strip()[:100],
        "actor": request.GET.get("actor", "").strip()[:100],
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
    }
    events = audit_event_list_for_viewer(
        viewer=viewer,
        action=filters["action"],
        actor_query=filters["actor"],
        date_from=_parse_date(filters["date_from"]),
        date_to=_parse_date(filters["date_to"]),
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, template, {"page": page, "filters": filters, "query": query.urlencode(), **extra}
    )


@roles_required(Role.DPO)
def console_audit_view(request: HttpRequest) -> HttpResponse:
    return _audit_page(request, "web/console_audit.html", {})


@roles_required(*CLIENT_ROLES)
def portal_activity_view(request: HttpRequest) -> HttpResponse:
    return _audit_page(request, "web/portal_activity.html", {"tab": "activity"})
