"""The DPO's retention page: published rules and how they are enforced, legal holds, sweeps
and their deletion logs."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from garde.accounts.models import User
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role
from garde.retention.forms import LegalHoldForm
from garde.retention.selectors import (
    deletion_log_list,
    legal_hold_get_active,
    legal_hold_list_active,
    retention_rule_status_list,
    sweep_run_get,
    sweep_run_list,
)
from garde.retention.services import legal_hold_place, legal_hold_release

SWEEP_PAGE_SIZE = 20


@roles_required(Role.DPO)
def console_view(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            legal_hold_place(actor=actor, request=request, **form.service_arguments())
        except GardeError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Gel de suppression enregistré."))
            return redirect("retention:console")
    version, rules = retention_rule_status_list()
    sweeps = Paginator(sweep_run_list(), SWEEP_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "retention/console.html",
        {
            "version": version,
            "rules": rules,
            "holds": legal_hold_list_active(),
            "form": form,
            "page": sweeps,
            "query": "",
        },
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
@require_POST
def hold_release_view(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = legal_hold_get_active(hold_id=hold_id)
    if hold is None:
        raise Http404
    legal_hold_release(hold=hold, actor=request.user, request=request)  # type: ignore[arg-type]
    messages.success(request, _("Gel levé : la prochaine passe supprimera ce qu'il retenait."))
    return redirect("retention:console")


@roles_required(Role.DPO)
def sweep_detail_view(request: HttpRequest, sweep_id: int) -> HttpResponse:
    sweep = sweep_run_get(sweep_id=sweep_id)
    if sweep is None:
        raise Http404
    return render(
        request,
        "retention/sweep_detail.html",
        {"sweep": sweep, "logs": deletion_log_list(sweep=sweep)},
    )
