"""The DPO console's request pages, and the PIA pack download the participants share.

Who sees what is decided by ``requests.selectors`` (the DPO team sees the operator's queue,
support only what is assigned to them); what may be done by ``requests.services``. These
views parse, call, and render.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garde.accounts.models import User
from garde.accounts.selectors import user_roles
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import CLIENT_ROLES, Role
from garde.core.services import audit_record
from garde.dsr.run_selectors import request_runs_panel
from garde.register.formatting import localized
from garde.register.selectors import register_version_latest
from garde.requests import console_forms as cf
from garde.requests import services
from garde.requests.choices import OPEN_STATUSES, Channel, RequestKind, Right, Status
from garde.requests.letters import (
    ACCESS_RIGHTS,
    ANSWER,
    letter_build,
    letter_filename,
    letter_html,
    letter_kind_default,
    letter_kinds_available,
    letter_pdf,
)
from garde.requests.models import Request
from garde.requests.pia import (
    pia_pack_activities,
    pia_pack_build,
    pia_pack_filename,
    pia_pack_html,
    pia_pack_json,
    pia_pack_pdf,
)
from garde.requests.selectors import (
    request_console_counts,
    request_get_for_participant,
    request_list_for_operator,
)

PAGE_SIZE = 25
HANDLERS = (Role.DPO, Role.SUPPORT)
PIA_FORMATS = ("html", "pdf", "json")
OPEN = [str(s) for s in OPEN_STATUSES]


def _viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _get_or_404(user: User, pk: int) -> Request:
    found = (
        request_list_for_operator(user=user)
        .select_related(
            "assignee", "organisation", "client_organisation", "requester", "created_by", "parent"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- the queue -----------------------------------------------------------------------------


def _filtered(
    requests: QuerySet[Request], form: cf.ListFilterForm, user: User
) -> QuerySet[Request]:
    today = timezone.localdate()
    requests = requests.annotate(
        effective_due=Coalesce("extended_due_date", "due_date"),
    ).annotate(
        is_overdue=Case(
            When(status__in=OPEN, effective_due__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    if not form.is_valid():
        return requests
    data = form.cleaned_data
    if data["q"]:
        q = data["q"].strip()
        requests = requests.filter(
            Q(reference__icontains=q)
            | Q(requester_name__icontains=q)
            | Q(requester_email__icontains=q)
        )
    if data["kind"]:
        requests = requests.filter(kind=data["kind"])
    if data["status"] == "open":
        requests = requests.filter(status__in=OPEN)
    elif data["status"]:
        requests = requests.filter(status=data["status"])
    assignee = data["assignee"]
    if assignee == "me":
        requests = requests.filter(assignee=user)
    elif assignee == "none":
        requests = requests.filter(assignee__isnull=True)
    elif assignee.isdigit():
        requests = requests.filter(assignee_id=int(assignee))
    if data["overdue"]:
        requests = requests.filter(status__in=OPEN, effective_due__lt=today)
    if data["due_this_week"]:
        requests = requests.filter(
            status__in=OPEN, effective_due__gte=today, effective_due__lte=today + timedelta(days=7)
        )
    return requests


@roles_required(*HANDLERS)
def console_list_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    mine = request_list_for_operator(user=user)
    form = cf.ListFilterForm(request.GET)
    requests = (
        _filtered(mine, form, user)
        .select_related("assignee", "organisation")
        .order_by(Coalesce("extended_due_date", "due_date").asc(), "received_at", "id")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/console_list.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "counts": request_console_counts(requests=mine),
            "handlers": list(cf.handlers()) if Role.DPO in user_roles(user) else [],
            "filters": form.cleaned_data if form.is_valid() else {},
        },
    )


# --- entering a request that came by post, e-mail or telephone ---------------------------------


@roles_required(Role.DPO)
def console_new_view(request: HttpRequest) -> HttpResponse:
    form = cf.StaffEntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created, _token = services.request_submit(
                    kind=data["kind"],
                    channel=data["channel"],
                    requester_name=data["requester_name"],
                    requester_email=data["requester_email"],
                    requester_relation=data["requester_relation"],
                    description=data["description"],
                    rights=data["rights"],
                    services=data["services"],
                    client_organisation=data["client_organisation"],
                    client_due_date=data["client_due_date"],
                    received_at=form.received_at(),
                    language=data["language"],
                    entered_by=_viewer(request),
                )
            except GardeError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request, _("Demande %(ref)s enregistrée.") % {"ref": created.reference}
                )
                return redirect("requests:console_detail", pk=created.pk)
        status = 400
    return render(request, "requests/console_new.html", {"form": form}, status=status)


# --- one request -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A form on the request page and the service it calls; ``roles`` may use it."""

    label: Any
    form: type[forms.Form]
    run: Callable[[Request, Any, User], object]
    roles: frozenset[str] = frozenset(HANDLERS)


def _assign(req: Request, data: Any, user: User) -> None:
    services.request_assign(request=req, assignee=data["assignee"], actor=user)


def _start(req: Request, data: Any, user: User) -> None:
    services.request_start(request=req, actor=user)


def _identity(req: Request, data: Any, user: User) -> None:
    services.request_ask_identity(request=req, actor=user, doubt_reason=data["doubt_reason"])


def _extend(req: Request, data: Any, user: User) -> None:
    services.request_extend(
        request=req, actor=user, extra_months=data["extra_months"], reason=data["reason"]
    )


def _answer(req: Request, data: Any, user: User) -> None:
    services.request_answer_send(
        request=req,
        actor=user,
        body=data["body"],
        files=data["uploads"],
        join_letter=data["join_letter"],
    )


def _refuse(req: Request, data: Any, user: User) -> None:
    services.request_refuse(request=req, actor=user, reason=data["reason"], detail=data["detail"])


def _forward(req: Request, data: Any, user: User) -> None:
    # Choosing the client and forwarding stand or fall together.
    with transaction.atomic():
        services.request_set_client(request=req, client=data["client"], actor=user)
        services.request_forward(request=req, actor=user)


def _close(req: Request, data: Any, user: User) -> None:
    services.request_close(request=req, actor=user)


def _message(req: Request, data: Any, user: User) -> None:
    services.message_post(request=req, body=data["body"], author=user, from_requester=False)


def _note(req: Request, data: Any, user: User) -> None:
    services.message_post(
        request=req, body=data["body"], author=user, from_requester=False, internal=True
    )


def _pia(req: Request, data: Any, user: User) -> None:
    services.request_pia_pack_attach(request=req, actor=user, activity_slugs=data["activities"])


DPO_ONLY = frozenset({Role.DPO})
ACTIONS: dict[str, Action] = {
    "assign": Action(gettext_lazy("Assigner"), cf.AssignForm, _assign, DPO_ONLY),
    "start": Action(gettext_lazy("Passer en cours de traitement"), cf.EmptyForm, _start),
    "identity": Action(
        gettext_lazy("Demander un justificatif d'identité"), cf.IdentityForm, _identity
    ),
    "extend": Action(gettext_lazy("Prolonger le délai"), cf.ExtendForm, _extend, DPO_ONLY),
    "answer": Action(gettext_lazy("Répondre"), cf.AnswerForm, _answer),
    "refuse": Action(gettext_lazy("Refuser"), cf.RefuseForm, _refuse, DPO_ONLY),
    "forward": Action(
        gettext_lazy("Transmettre au client responsable"), cf.ForwardForm, _forward, DPO_ONLY
    ),
    "close": Action(gettext_lazy("Clôturer"), cf.EmptyForm, _close),
    "message": Action(gettext_lazy("Écrire au demandeur"), cf.MessageForm, _message),
    "note": Action(gettext_lazy("Ajouter une note interne"), cf.NoteForm, _note),
    "pia": Action(
        gettext_lazy("Générer le dossier PIA et le joindre"), cf.PiaPackForm, _pia, DPO_ONLY
    ),
}
DONE = _("Action enregistrée.")


def _pia_choices(req: Request) -> tuple[list[tuple[str, str]], list[str]]:
    """The register's processor activities, and those the request's services name."""
    version = register_version_latest()
    if version is None:
        return [], []
    language = req.language
    choices = [
        (a["slug"], str(localized(a, "name", language)))
        for a in version.snapshot.get("activities", [])
        if a["role"] == "processor"
    ]
    return choices, [a["slug"] for a in pia_pack_activities(req, version)]


def _make_form(name: str, req: Request, data: Any = None, files: Any = None) -> forms.Form:
    form_class = ACTIONS[name].form
    if form_class is cf.PiaPackForm:
        choices, named = _pia_choices(req)
        return cf.PiaPackForm(
            data, files, prefix=name, activities=choices, initial={"activities": named}
        )
    initial: dict[str, Any] = {}
    if name == "assign":
        initial = {"assignee": req.assignee_id}
    elif name == "forward" and req.client_organisation_id:
        initial = {"client": req.client_organisation_id}
    return form_class(data, files, prefix=name, initial=initial)


def _available(req: Request, roles: frozenset[str]) -> list[str]:
    """The actions worth showing for the request's state and the viewer's roles (the
    services refuse the others anyway)."""
    following = services.TRANSITIONS[req.status]
    today = timezone.localdate()
    shown = {
        "assign": req.status in OPEN_STATUSES,
        "start": Status.IN_PROGRESS in following,
        "identity": Status.AWAITING_IDENTITY in following,
        "extend": Status.EXTENDED in following
        and req.extended_due_date is None
        and today <= req.due_date,
        "answer": Status.ANSWERED in following,
        "refuse": Status.REFUSED in following,
        "forward": Status.FORWARDED in following,
        "close": Status.CLOSED in following,
        "message": req.status != Status.CLOSED,
        "note": True,
        "pia": req.kind == RequestKind.PIA and req.status in OPEN_STATUSES,
    }
    return [name for name, show in shown.items() if show and ACTIONS[name].roles & roles]


def _detail_context(req: Request, user: User, bound: dict[str, forms.Form]) -> dict[str, Any]:
    roles = user_roles(user)
    available = _available(req, roles)
    # A refused action keeps its form on the page, with the reason, even when the request's
    # state no longer offers it.
    available += [name for name in bound if name not in available]
    action_forms = [
        (name, ACTIONS[name].label, bound.get(name) or _make_form(name, req)) for name in available
    ]
    thread = list(req.messages.filter(internal=False).select_related("author"))
    notes = list(req.messages.filter(internal=True).select_related("author"))
    today = timezone.localdate()
    return {
        "req": req,
        "timeline": list(req.status_changes.select_related("actor")),
        "thread": thread,
        "notes": notes,
        "attachments": list(req.attachments.select_related("uploaded_by")),
        "escalations": list(req.escalations.all()),
        "action_forms": action_forms,
        "letter_kinds": letter_kinds_available(req),
        "letter_default": letter_kind_default(req),
        "is_overdue": req.status in OPEN_STATUSES and req.effective_due_date < today,
        "is_open": req.status in OPEN_STATUSES,
        "channel_staff_entry": req.channel in {Channel.POST, Channel.EMAIL, Channel.PHONE},
        "rights": [Right(r).label for r in req.rights if r in Right.values],
        "dsr": request_runs_panel(request=req, user=user),
        "letter_warnings": (
            letter_build(request=req, kind=ANSWER).warnings
            if req.kind == RequestKind.RIGHTS and ACCESS_RIGHTS & set(req.rights)
            else ()
        ),
    }


@roles_required(*HANDLERS)
def console_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    req = _get_or_404(user, pk)
    if request.method != "POST":
        return render(request, "requests/console_detail.html", _detail_context(req, user, {}))
    name = request.POST.get("action", "")
    action = ACTIONS.get(name)
    if action is None:
        return HttpResponse(status=400)
    if not action.roles & user_roles(user):
        raise PermissionDenied
    form = _make_form(name, req, request.POST, request.FILES)
    if form.is_valid():
        try:
            action.run(req, form.cleaned_data, user)
        except GardeError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, DONE)
            return redirect("requests:console_detail", pk=req.pk)
    req.refresh_from_db()
    context = _detail_context(req, user, {name: form})
    context["failed_action"] = name
    return render(request, "requests/console_detail.html", context, status=400)


@roles_required(*HANDLERS)
def console_letter_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The response letter as a printable page, or ``?format=pdf``; ``?type=`` picks the
    letter (answer, refusal, extension, forwarding), ``?activity=`` the processing an access
    answer describes."""
    req = _get_or_404(_viewer(request), pk)
    kind = request.GET.get("type", "")
    if kind not in letter_kinds_available(req):
        kind = letter_kind_default(req)
    slugs = request.GET.getlist("activity") or None
    letter = letter_build(request=req, kind=kind, activity_slugs=slugs)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter_filename(req, kind)}"'
        return response
    back = reverse("requests:console_detail", kwargs={"pk": req.pk})
    return HttpResponse(letter_html(letter, back_url=back))


@roles_required(*HANDLERS)
def console_attachment_view(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A file of the request, through the audited, integrity-checked read."""
    from garde.requests.attachments import attachment_open  # the portal side's module

    user = _viewer(request)
    req = _get_or_404(user, pk)
    attachment = req.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        data = attachment_open(attachment=attachment, actor=user, request_http=request)
    except GardeError as error:
        messages.error(request, error.message)
        return redirect("requests:console_detail", pk=req.pk)
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the PIA pack, for the people on the request ------------------------------------------------


def _pia_request_for(user: User, pk: int) -> Request | None:
    """Staff reach the request through their queue; client users through their participation,
    once the DPO has answered (the pack is the operator's answer)."""
    roles = user_roles(user)
    if roles & set(HANDLERS):
        found = request_list_for_operator(user=user).filter(pk=pk).first()
        if found is not None:
            return found
    if roles & CLIENT_ROLES:
        found = request_get_for_participant(user=user, pk=pk)
        if found is not None and found.status in {Status.ANSWERED, Status.CLOSED}:
            return found
    return None


@roles_required(*HANDLERS, *CLIENT_ROLES)
def pia_pack_view(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    user = _viewer(request)
    req = _pia_request_for(user, pk)
    if req is None or req.kind != RequestKind.PIA or format not in PIA_FORMATS:
        raise Http404
    pack = pia_pack_build(request=req)
    with transaction.atomic():
        audit_record(
            action="requests.pia_pack_downloaded",
            actor=user,
            obj=req,
            organisation=req.organisation,
            request=request,
            details={"format": format, "register_version": pack.register_version},
        )
    if format == "html":
        return HttpResponse(pia_pack_html(pack))
    if format == "pdf":
        response = HttpResponse(pia_pack_pdf(pack), content_type="application/pdf")
    else:
        response = HttpResponse(
            _json_bytes(pia_pack_json(pack)), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{pia_pack_filename(pack, format)}"'
    return response


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


urlpatterns: list[URLPattern] = [
    path("console/requests/", console_list_view, name="console_list"),
    path("console/requests/new/", console_new_view, name="console_new"),
    path("console/requests/<int:pk>/", console_detail_view, name="console_detail"),
    path("console/requests/<int:pk>/letter/", console_letter_view, name="console_letter"),
    path(
        "console/requests/<int:pk>/files/<int:attachment_id>/",
        console_attachment_view,
        name="console_attachment",
    ),
    path("requests/<int:pk>/pia/<str:format>/", pia_pack_view, name="pia_pack"),
]
