"""The breach register in the console. Every staff role reaches the pages, but the selectors
show a breach only to the DPO team and to the staff assigned to it; only the DPO acts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from garde.accounts.models import User
from garde.accounts.selectors import user_roles
from garde.breaches import persons
from garde.breaches.choices import BreachSource, NotificationKind
from garde.breaches.decisions import closure_blockers
from garde.breaches.forms import BreachForm
from garde.breaches.models import Breach
from garde.breaches.selectors import (
    breach_clock,
    breach_figures,
    breach_get_for_staff,
    breach_list_for_staff,
    breach_report_get,
    clients_concerned,
)
from garde.breaches.services import breach_create, breach_update, facts_from_report
from garde.breaches.views.actions import ACTIONS, action_forms
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import STAFF_ROLES, Role


def _viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _breach_or_404(request: HttpRequest, pk: int) -> Breach:
    breach = breach_get_for_staff(user=_viewer(request), pk=pk)
    if breach is None:
        raise Http404
    return breach


@roles_required(*STAFF_ROLES)
def console_list_view(request: HttpRequest) -> HttpResponse:
    breaches = breach_list_for_staff(user=_viewer(request))
    rows = [(breach, breach_clock(breach)) for breach in breaches]
    return render(
        request,
        "breaches/console_list.html",
        {
            "rows": rows,
            "figures": breach_figures(breaches),
            "is_dpo": Role.DPO in user_roles(_viewer(request)),
        },
    )


def _form_errors(form: Any, error: GardeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@roles_required(Role.DPO)
def console_new_view(request: HttpRequest) -> HttpResponse:
    report = None
    report_id = request.GET.get("report", "")
    if report_id.isdigit():
        report = breach_report_get(user=_viewer(request), pk=int(report_id))
    initial: dict[str, Any] = {"source": BreachSource.STAFF}
    if report is not None:
        initial = {**facts_from_report(report), "source": BreachSource.PORTAL_REPORT}
    form = BreachForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            breach = breach_create(
                actor=_viewer(request),
                source=form.cleaned_data["source"],
                facts=form.facts(),
                report=report,
                request=request,
            )
        except GardeError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Violation inscrite au registre."))
            return redirect("breaches:console_detail", pk=breach.pk)
    return render(
        request,
        "breaches/console_form.html",
        {"form": form, "report": report, "breach": None},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def console_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    breach = _breach_or_404(request, pk)
    initial = {
        name: getattr(breach, name)
        for name in BreachForm.base_fields
        if name not in ("activities", "data_categories", "subject_categories")
    }
    initial.update(
        activities=list(breach.activities.all()),
        data_categories=list(breach.data_categories.all()),
        subject_categories=list(breach.subject_categories.all()),
    )
    form = BreachForm(request.POST or None, initial=initial)
    form.fields["source"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            breach_update(
                breach=breach, actor=_viewer(request), facts=form.facts(), request=request
            )
        except GardeError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Violation mise à jour."))
            return redirect("breaches:console_detail", pk=breach.pk)
    return render(
        request,
        "breaches/console_form.html",
        {"form": form, "report": breach.report, "breach": breach},
        status=400 if form.errors else 200,
    )


@roles_required(*STAFF_ROLES)
def console_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    breach = _breach_or_404(request, pk)
    is_dpo = Role.DPO in user_roles(_viewer(request))
    bound = None
    status = 200
    shown: dict[str, Any] = {}
    if request.method == "POST":
        if not is_dpo:
            raise PermissionDenied
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            return HttpResponse(status=400)
        form = ACTIONS[name].form(request.POST, request.FILES, prefix=name)
        if form.is_valid():
            try:
                outcome = ACTIONS[name].run(breach, form.cleaned_data, _viewer(request), request)
            except GardeError as error:
                _form_errors(form, error)
            else:
                if not isinstance(outcome, dict):
                    messages.success(request, _("Action enregistrée."))
                    return redirect("breaches:console_detail", pk=breach.pk)
                shown = outcome  # a result to show on the page (the people search)
        bound = (name, form)
        status = 200 if shown else 400
        breach = _breach_or_404(request, pk)
    campaigns = [
        (campaign, persons.campaign_progress(campaign)) for campaign in breach.campaigns.all()
    ]
    return render(
        request,
        "breaches/console_detail.html",
        {
            "breach": breach,
            "clock": breach_clock(breach),
            "is_dpo": is_dpo,
            "actions": action_forms(breach, bound) if is_dpo else {},
            "decisions": breach.decisions.select_related("actor"),
            "notifications": breach.authority_notifications.all(),
            "notices": breach.client_notices.select_related(
                "organisation", "acknowledged_by"
            ).prefetch_related("questions"),
            "concerned": clients_concerned(breach),
            "campaigns": campaigns,
            "blockers": closure_blockers(breach),
            "kinds": NotificationKind,
            **shown,
        },
        status=status,
    )
