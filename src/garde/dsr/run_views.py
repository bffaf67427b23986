"""Console pages of the fulfilment engine's runs (issue 5, point 7): start an access or an
erasure dry run from a rights request, follow it (progress polled with htmx), review what it
produced, then release the package, apply the erasure, send the receipt, close the art. 19
tasks; rectification and restriction from the request; the list of every run.

Who may do what: the DPO team and support (the request's handlers) start and release access
runs; only the DPO team touches erasure, rectification, restriction and the art. 19 tasks.
Support sees the runs of the requests assigned to them (``run_selectors``). The views parse,
call a service and render; staff reads of the package and of the receipt are audited by the
service that returns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from garde.accounts.models import User
from garde.accounts.selectors import user_roles
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role
from garde.dsr.access import access_package_release, package_expired
from garde.dsr.choices import NotificationStatus, RunKind, RunStatus
from garde.dsr.erasure import notification_close, restriction_lift
from garde.dsr.forms import STRATEGY_LABELS
from garde.dsr.models import (
    FulfilmentRun,
)
from garde.dsr.receipts import public_key_pem
from garde.dsr.run_forms import (
    NOTIFICATION_STATUS_LABELS,
    RUN_KIND_LABELS,
    RUN_STATUS_LABELS,
    ErasureApplyForm,
    IdentitiesForm,
    NotificationCloseForm,
    RectificationForm,
    RestrictionForm,
    RestrictionLiftForm,
    RunFilterForm,
)
from garde.dsr.run_selectors import (
    erasure_dry_run_of,
    notification_get_for_run,
    receipt_sends,
    rectification_targets,
    request_run_kinds,
    restriction_list_for_request,
    restriction_run_of,
    run_get_for_user,
    run_list_for_user,
    run_package,
    run_records,
)
from garde.dsr.runs import (
    RECEIPT_FILE,
    erasure_apply_from_dry_run,
    erasure_receipt_send,
    package_staff_read,
    receipt_staff_read,
    request_rectification_apply,
    request_restriction_create,
    request_run_start,
)
from garde.dsr.selectors import notification_list
from garde.requests.models import Request
from garde.requests.selectors import request_list_for_operator

HANDLERS = (Role.DPO, Role.SUPPORT)
PAGE_SIZE = 25
PREVIEW_ROWS = 5  # rows of a dry run's preview shown per collection
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
# The package's index.html is the person's data: no script, nothing fetched, no framing, no
# form, opened in a sandbox of its own origin.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def _viewer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _is_dpo(user: User) -> bool:
    return Role.DPO in user_roles(user)


def _run_or_404(request: HttpRequest, pk: int) -> FulfilmentRun:
    run = run_get_for_user(user=_viewer(request), pk=pk)
    if run is None:
        raise Http404
    return run


def _request_or_404(user: User, pk: int) -> Request:
    found = request_list_for_operator(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- starting a run from a request ------------------------------------------------------------


def _start(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = _viewer(request)
    req = _request_or_404(user, pk)
    data = request.POST if request.method == "POST" else None
    form = IdentitiesForm(data, initial={"email": req.requester_email})
    if data is not None and form.is_valid():
        try:
            run = request_run_start(
                request=req,
                kind="access" if kind == RunKind.ACCESS else "erasure",
                identities=form.identities(),
                actor=user,
            )
        except GardeError as error:
            form.add_error(form.field_for(error.field), error.message)
        else:
            messages.success(
                request,
                _("Accès lancé en arrière-plan.")
                if kind == RunKind.ACCESS
                else _("Simulation d'effacement lancée en arrière-plan."),
            )
            return redirect("dsr_runs:run_detail", pk=run.pk)
    return render(
        request,
        "dsr/run_start.html",
        {"req": req, "form": form, "kind": kind},
        status=400 if form.errors else 200,
    )


@roles_required(*HANDLERS)
def request_access_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _start(request, pk, RunKind.ACCESS)


@roles_required(Role.DPO)
def request_erasure_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _start(request, pk, RunKind.ERASURE)


# --- the list ---------------------------------------------------------------------------------


@roles_required(*HANDLERS)
@require_GET
def run_list_view(request: HttpRequest) -> HttpResponse:
    form = RunFilterForm(request.GET)
    runs = run_list_for_user(user=_viewer(request))
    if form.is_valid():
        if form.cleaned_data["kind"]:
            runs = runs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            runs = runs.filter(status=form.cleaned_data["status"])
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            run,
            RUN_KIND_LABELS.get(run.kind, run.kind),
            RUN_STATUS_LABELS.get(run.status, run.status),
        )
        for run in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dsr/run_list.html",
        {"page": page, "rows": rows, "form": form, "query": query.urlencode()},
    )


# --- one run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureRow:
    """One collection of an erasure run as the review table shows it."""

    system: str
    dataset: str
    collection: str
    action: str
    strategies: list[tuple[str, str]]  # field, strategy in words
    rows: int
    rows_changed: int
    preview: list[dict[str, Any]]
    preview_more: int


def _erasure_rows(result: dict[str, Any]) -> list[ErasureRow]:
    rows = []
    for entry in result.get("collections", []):
        preview = entry.get("preview", [])
        rows.append(
            ErasureRow(
                system=entry.get("system", ""),
                dataset=entry.get("dataset", ""),
                collection=entry.get("collection", ""),
                action=entry.get("action", ""),
                strategies=[
                    (name, str(STRATEGY_LABELS.get(strategy, strategy)))
                    for name, strategy in entry.get("strategies", {}).items()
                ],
                rows=int(entry.get("rows", 0)),
                rows_changed=int(entry.get("rows_changed", 0)),
                preview=preview[:PREVIEW_ROWS],
                preview_more=max(0, len(preview) - PREVIEW_ROWS),
            )
        )
    return rows


def _kept(result: dict[str, Any]) -> list[dict[str, Any]]:
    english = (get_language() or "fr").startswith("en")
    return [
        {
            **item,
            "reason": (item.get("reason_en") if english else "") or item.get("reason_fr", ""),
        }
        for item in result.get("kept", [])
    ]


def _access_counts(result: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    counts: dict[str, dict[str, dict[str, int]]] = result.get("counts", {}) or {}
    return [
        (system, dataset, collection, rows)
        for system, datasets in sorted(counts.items())
        for dataset, collections in sorted(datasets.items())
        for collection, rows in sorted(collections.items())
    ]


def _progress_context(run: FulfilmentRun) -> dict[str, Any]:
    return {
        "run": run,
        "active": run.status in ACTIVE,
        "status_label": RUN_STATUS_LABELS.get(run.status, run.status),
    }


def _detail_context(
    run: FulfilmentRun,
    user: User,
    *,
    apply_form: ErasureApplyForm | None = None,
    close_forms: dict[int, NotificationCloseForm] | None = None,
    action_error: str = "",
) -> dict[str, Any]:
    is_dpo = _is_dpo(user)
    result: dict[str, Any] = run.result or {}
    records = run_records(run)
    package, receipt, applied_run = records.package, records.receipt, records.applied_run
    applied_pk = result.get("applied_run") if run.dry_run else None
    request_allows = run.request is None or RunKind.ERASURE in request_run_kinds(run.request)
    notifications = list(notification_list(run=run))
    close_forms = close_forms or {}
    return {
        **_progress_context(run),
        "kind_label": RUN_KIND_LABELS.get(run.kind, run.kind),
        "is_dpo": is_dpo,
        "identities": sorted((run.identities or {}).items()),
        "result": result,
        "failures": result.get("failures", []),
        "unreachable": result.get("unreachable", []),
        "package": package,
        "package_expired": package is not None and package_expired(package),
        "can_release": package is not None
        and not package_expired(package)
        and run.status in (RunStatus.REVIEW, RunStatus.RELEASED),
        "access_counts": _access_counts(result) if run.kind == RunKind.ACCESS else [],
        "show_erasure": run.kind == RunKind.ERASURE
        and run.status in (RunStatus.REVIEW, RunStatus.APPLIED),
        "erasure_rows": _erasure_rows(result) if run.kind == RunKind.ERASURE else [],
        "kept": _kept(result),
        "applied_run": applied_run,
        "dry_run_source": erasure_dry_run_of(run),
        "can_apply": is_dpo
        and run.kind == RunKind.ERASURE
        and run.dry_run
        and run.status == RunStatus.REVIEW
        and applied_pk is None
        and request_allows,
        "apply_form": apply_form or ErasureApplyForm(),
        "receipt": receipt,
        "receipt_sends": list(receipt_sends(run)) if receipt is not None else [],
        "notifications": [
            (
                n,
                NOTIFICATION_STATUS_LABELS.get(n.status, n.status),
                close_forms.get(n.pk) or NotificationCloseForm(prefix=f"n{n.pk}"),
            )
            for n in notifications
        ],
        "notifications_open": sum(n.status == NotificationStatus.OPEN for n in notifications),
        "rectified": result.get("rectified", []),
        "restriction": records.restriction,
        "action_error": action_error,
    }


def _detail(
    request: HttpRequest, run: FulfilmentRun, status: int = 200, **kwargs: Any
) -> HttpResponse:
    return render(
        request,
        "dsr/run_detail.html",
        _detail_context(run, _viewer(request), **kwargs),
        status=status,
    )


@roles_required(*HANDLERS)
@require_GET
def run_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _run_or_404(request, pk))


@roles_required(*HANDLERS)
@require_GET
@never_cache
def run_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls every 2 s while the run is queued or running; once it
    is over, an htmx poll gets ``HX-Refresh`` so the page reloads with the result."""
    run = _run_or_404(request, pk)
    response = render(request, "dsr/run_progress.html", _progress_context(run))
    if run.status not in ACTIVE and request.headers.get("HX-Request") == "true":
        response["HX-Refresh"] = "true"
    return response


# --- access: preview, download, release -------------------------------------------------------


@roles_required(*HANDLERS)
@require_GET
def package_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        content = package_staff_read(
            run=run, actor=_viewer(request), part="index", http_request=request
        )
    except GardeError as error:
        messages.error(request, error.message)
        return redirect("dsr_runs:run_detail", pk=run.pk)
    response = _private(HttpResponse(content, content_type="text/html; charset=utf-8"))
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Frame-Options"] = "DENY"
    return response


@roles_required(*HANDLERS)
@require_GET
def package_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        content = package_staff_read(
            run=run, actor=_viewer(request), part="zip", http_request=request
        )
    except GardeError as error:
        messages.error(request, error.message)
        return redirect("dsr_runs:run_detail", pk=run.pk)
    response = _private(HttpResponse(content, content_type="application/zip"))
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"access-run-{run.pk}.zip"
    )
    return response


@roles_required(*HANDLERS)
@require_POST
def package_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        link = access_package_release(run=run, actor=_viewer(request))
    except GardeError as error:
        return _detail(request, run, status=error.status, action_error=error.message)
    package = run_package(run)
    assert package is not None  # noqa: S101 - release succeeded, so the package exists
    expires = timezone.localtime(package.expires_at)
    if run.request is not None and run.request.requester_email:
        messages.success(
            request,
            _("Paquet transmis : le lien a été envoyé à %(email)s ; il expire le %(date)s.")
            % {"email": run.request.requester_email, "date": f"{expires:%d/%m/%Y %H:%M}"},
        )
    else:
        messages.success(
            request,
            _("Paquet transmis. Lien pour la personne (il expire le %(date)s) : %(link)s")
            % {"date": f"{expires:%d/%m/%Y %H:%M}", "link": link},
        )
    return redirect("dsr_runs:run_detail", pk=run.pk)


# --- erasure: apply, receipt, art. 19 tasks ---------------------------------------------------


@roles_required(Role.DPO)
@require_POST
def erasure_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    form = ErasureApplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, run, status=400, apply_form=form)
    try:
        applied = erasure_apply_from_dry_run(run=run, actor=_viewer(request))
    except GardeError as error:
        run.refresh_from_db()
        return _detail(request, run, status=error.status, action_error=error.message)
    messages.success(request, _("Effacement lancé en arrière-plan."))
    return redirect("dsr_runs:run_detail", pk=applied.pk)


@roles_required(Role.DPO)
@require_GET
def receipt_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        content = receipt_staff_read(run=run, actor=_viewer(request), http_request=request)
    except GardeError as error:
        messages.error(request, error.message)
        return redirect("dsr_runs:run_detail", pk=run.pk)
    response = _private(HttpResponse(content, content_type="application/json; charset=utf-8"))
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"run-{run.pk}-{RECEIPT_FILE}"
    )
    return response


@roles_required(Role.DPO)
@require_GET
def receipt_key_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="garde-public-key.pem"
    )
    return response


@roles_required(Role.DPO)
@require_POST
def receipt_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        email = erasure_receipt_send(run=run, actor=_viewer(request))
    except GardeError as error:
        return _detail(request, run, status=error.status, action_error=error.message)
    messages.success(request, _("Reçu envoyé à %(email)s.") % {"email": email})
    return redirect("dsr_runs:run_detail", pk=run.pk)


@roles_required(Role.DPO)
@require_POST
def notification_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    notification = notification_get_for_run(run=run, pk_text=request.POST.get("notification", ""))
    if notification is None:
        return _detail(request, run, status=400, action_error=_("Tâche de notification inconnue."))
    form = NotificationCloseForm(request.POST, prefix=f"n{notification.pk}")
    if form.is_valid():
        try:
            notification_close(
                notification=notification,
                actor=_viewer(request),
                done=form.cleaned_data["outcome"] == "done",
                reason=form.cleaned_data["reason"],
            )
        except GardeError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(
                request,
                _("Tâche close : %(recipient)s.") % {"recipient": notification.recipient_name},
            )
            return redirect("dsr_runs:run_detail", pk=run.pk)
    return _detail(request, run, status=400, close_forms={notification.pk: form})


# --- rectification and restriction from a request ---------------------------------------------

RECTIFICATION_FIELDS = {"primary_key": "primary_key", "value": "value", "field": "target"}


@roles_required(Role.DPO)
def request_rectification_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    req = _request_or_404(user, pk)
    data = request.POST if request.method == "POST" else None
    form = RectificationForm(data, targets=rectification_targets())
    if data is not None and form.is_valid():
        target = form.chosen_target()
        try:
            run = request_rectification_apply(
                request=req,
                actor=user,
                dataset=target.dataset,
                collection=target.collection,
                primary_key=form.cleaned_data["primary_key"],
                field=target.field,
                value=form.cleaned_data["value"],
            )
        except GardeError as error:
            form.add_error(RECTIFICATION_FIELDS.get(error.field or ""), error.message)
        else:
            messages.success(request, _("Donnée rectifiée."))
            return redirect("dsr_runs:run_detail", pk=run.pk)
    return render(
        request,
        "dsr/run_rectification.html",
        {"req": req, "form": form},
        status=400 if form.errors else 200,
    )


def _restriction_form(req: Request) -> RestrictionForm:
    return RestrictionForm(
        initial={"identity_type": "email", "identity_value": req.requester_email}
    )


def _restriction_page(
    request: HttpRequest,
    req: Request,
    *,
    form: RestrictionForm | None = None,
    lift_forms: dict[int, RestrictionLiftForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    lift_forms = lift_forms or {}
    restrictions = [
        (
            restriction,
            lift_forms.get(restriction.pk) or RestrictionLiftForm(prefix=f"r{restriction.pk}"),
        )
        for restriction in restriction_list_for_request(request=req).select_related(
            "created_by", "lifted_by"
        )
    ]
    can_create = RunKind.RESTRICTION in request_run_kinds(req)
    return render(
        request,
        "dsr/run_restriction.html",
        {
            "req": req,
            "form": form
            or RestrictionForm(
                initial={"identity_type": "email", "identity_value": req.requester_email}
            ),
            "can_create": can_create,
            "restrictions": restrictions,
        },
        status=status,
    )


@roles_required(Role.DPO)
def request_restriction_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    req = _request_or_404(user, pk)
    if request.method != "POST":
        return _restriction_page(request, req)
    form = RestrictionForm(request.POST)
    if form.is_valid():
        try:
            restriction = request_restriction_create(
                request=req,
                actor=user,
                identity_type=form.cleaned_data["identity_type"],
                identity_value=form.cleaned_data["identity_value"],
                reason=form.cleaned_data["reason"],
            )
        except GardeError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Limitation du traitement en vigueur."))
            run = restriction_run_of(restriction)
            if run is not None:
                return redirect("dsr_runs:run_detail", pk=run.pk)
            return redirect("dsr_runs:request_restriction", pk=req.pk)
    return _restriction_page(request, req, form=form, status=400)


@roles_required(Role.DPO)
@require_POST
def request_restriction_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    req = _request_or_404(user, pk)
    raw = request.POST.get("restriction", "")
    restriction = (
        restriction_list_for_request(request=req).filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if restriction is None:
        form = _restriction_form(req)
        form.add_error(None, _("Limitation inconnue pour cette demande."))
        return _restriction_page(request, req, form=form, status=400)
    lift = RestrictionLiftForm(request.POST, prefix=f"r{restriction.pk}")
    if lift.is_valid():
        try:
            restriction_lift(
                restriction=restriction, actor=user, reason=lift.cleaned_data["reason"]
            )
        except GardeError as error:
            lift.add_error(None, error.message)
        else:
            messages.success(request, _("Limitation levée."))
            return redirect("dsr_runs:request_restriction", pk=req.pk)
    return _restriction_page(request, req, lift_forms={restriction.pk: lift}, status=400)
