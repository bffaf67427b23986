"""The marketing and sales teams' queue of contact and callback submissions, under
``/console/marketing/``: list with filters, search and pagination; a page per submission with
its notes, assignment and status. Every change goes through ``marketing.services`` (audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from garde.accounts.models import User
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role
from garde.marketing import forms as mf
from garde.marketing import selectors, services
from garde.marketing.choices import STATUS_TRANSITIONS, ContactStatus
from garde.marketing.models import ContactRequest

PAGE_SIZE = 25
QUEUE = (Role.MARKETING, Role.SALES)


def _viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@roles_required(*QUEUE)
def console_list_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = mf.QueueFilterForm(request.GET)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = selectors.contact_request_list(
        user=user,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        assignee=filters.get("assignee", ""),
        query=filters.get("q", ""),
    )
    counts = selectors.contact_queue_counts(user=user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "marketing/console_list.html",
        {
            "page": page,
            "form": form,
            "filters": filters,
            "query": query.urlencode(),
            "count_cards": [
                (label, counts.get(value, 0)) for value, label in ContactStatus.choices
            ],
            "handlers": list(selectors.contact_handlers()),
        },
        status=200 if form.is_valid() else 400,
    )


def _apply(action: str, contact: ContactRequest, data: Any, user: User) -> str:
    """Run the posted action; returns the confirmation to show."""
    if action == "status":
        services.contact_request_status_set(
            contact_request=contact, status=data["status"], actor=user
        )
        return _("Statut mis à jour.")
    if action == "assign":
        raw = data["assignee"]
        assignee = (
            selectors.contact_handlers().filter(pk=int(raw)).first() if raw.isdigit() else None
        )
        if raw and assignee is None:
            raise GardeError(
                _("Seul un membre des équipes marketing ou commerciale peut en être chargé."),
                field="assignee",
            )
        services.contact_request_assign(contact_request=contact, assignee=assignee, actor=user)
        return _("Attribution mise à jour.")
    services.contact_note_add(contact_request=contact, body=data["body"], actor=user)
    return _("Note ajoutée.")


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "status": mf.StatusForm,
    "assign": mf.AssignForm,
    "note": mf.NoteForm,
}


@roles_required(*QUEUE)
def console_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    contact = selectors.contact_request_get(user=user, pk=pk)
    if contact is None:
        raise Http404
    bound: dict[str, forms.Form] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = ACTION_FORMS.get(action)
        if form_class is None:
            messages.error(request, _("Action inconnue."))
            return redirect("marketing:console_detail", pk=pk)
        form = form_class(request.POST, prefix=action)
        bound[action] = form
        if form.is_valid():
            try:
                done = _apply(action, contact, form.cleaned_data, user)
            except GardeError as error:
                mf.form_add_service_error(form, error)
            else:
                messages.success(request, done)
                return redirect("marketing:console_detail", pk=pk)
        status = 400
    forms_by_action = {
        name: bound.get(name) or form_class(prefix=name)
        for name, form_class in ACTION_FORMS.items()
    }
    return render(
        request,
        "marketing/console_detail.html",
        {
            "contact": contact,
            "notes": selectors.contact_note_list(contact_request=contact),
            "next_statuses": [
                (value, label)
                for value, label in ContactStatus.choices
                if value in STATUS_TRANSITIONS.get(contact.status, frozenset())
            ],
            "handlers": list(selectors.contact_handlers()),
            "forms": forms_by_action,
        },
        status=status,
    )
