"""DPO console pages of the register: the working register (list, detail, create, edit,
archive, retention rules), its published versions (publish, read, compare) and the exports.

Every page is for the DPO only. The views parse input, call a service or a selector, and
render; the register's rules live in ``services.activities``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from garde.accounts.models import User
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role
from garde.register.choices import ProcessingRole
from garde.register.diff import operator_diff, register_diff
from garde.register.exports import (
    register_sheets,
    register_to_csv,
    register_to_json,
    register_to_pdf,
)
from garde.register.formatting import field_label
from garde.register.forms import ActivityForm, PublishForm, RetentionRuleForm
from garde.register.models import ProcessingActivity, RegisterVersion, RetentionRule
from garde.register.selectors import (
    activity_get,
    activity_list,
    register_version_get,
    register_version_latest,
    register_version_list,
    retention_rule_get,
)
from garde.register.services.activities import (
    activity_archive,
    activity_create,
    activity_restore,
    activity_update,
    retention_rule_delete,
    retention_rule_save,
)

PAGE_SIZE = 50
ARCHIVED_FILTERS = ("active", "archived", "all")
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
}


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _activity_or_404(slug: str) -> ProcessingActivity:
    activity = activity_get(slug=slug)
    if activity is None:
        raise Http404
    return activity


def _version_or_404(number: int | str | None) -> RegisterVersion:
    try:
        version = register_version_get(number=int(number)) if number else None
    except ValueError:
        version = None
    if version is None:
        raise Http404
    return version


def _attach_error(form: forms.BaseForm, error: GardeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@roles_required(Role.DPO)
def activity_list_view(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("archived", "active")
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "role": request.GET.get("role", "") if request.GET.get("role") in ProcessingRole else "",
        "archived": archived if archived in ARCHIVED_FILTERS else "active",
    }
    activities = activity_list(
        query=filters["q"], role=filters["role"], archived=filters["archived"]
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "register/console_activities.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "roles": ProcessingRole.choices,
            "latest": register_version_list().only("number", "published_at").first(),
        },
    )


@roles_required(Role.DPO)
def activity_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    return render(
        request,
        "register/console_activity.html",
        {
            "activity": activity,
            "not_stated": [field_label(name) for name in activity.not_stated],
        },
    )


@roles_required(Role.DPO)
def activity_create_view(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = activity_create(actor=_actor(request), data=form.cleaned_data)
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Traitement ajouté au registre."))
            return redirect("register:console_activity", slug=activity.slug)
    return render(
        request,
        "register/console_activity_form.html",
        {"form": form, "activity": None},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def activity_edit_view(request: HttpRequest, slug: str) -> HttpResponse:
    activity = _activity_or_404(slug)
    title = activity.name_fr
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        try:
            activity_update(actor=_actor(request), activity=activity, data=form.cleaned_data)
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Traitement enregistré."))
            return redirect("register:console_activity", slug=slug)
    return render(
        request,
        "register/console_activity_form.html",
        {"form": form, "activity": activity, "title": title},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
@require_POST
def activity_archive_view(request: HttpRequest, slug: str) -> HttpResponse:
    activity_archive(actor=_actor(request), activity=_activity_or_404(slug))
    messages.success(
        request, _("Traitement archivé : il ne figurera plus dans la prochaine version.")
    )
    return redirect("register:console_activity", slug=slug)


@roles_required(Role.DPO)
@require_POST
def activity_restore_view(request: HttpRequest, slug: str) -> HttpResponse:
    activity_restore(actor=_actor(request), activity=_activity_or_404(slug))
    messages.success(request, _("Traitement restauré dans le registre."))
    return redirect("register:console_activity", slug=slug)


def _rule_page(
    request: HttpRequest, activity: ProcessingActivity, rule: RetentionRule | None
) -> HttpResponse:
    form = RetentionRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            retention_rule_save(
                actor=_actor(request), activity=activity, data=form.cleaned_data, rule=rule
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Durée de conservation enregistrée."))
            return redirect("register:console_activity", slug=activity.slug)
    return render(
        request,
        "register/console_rule_form.html",
        {"form": form, "activity": activity, "rule": rule},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def rule_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    return _rule_page(request, _activity_or_404(slug), None)


@roles_required(Role.DPO)
def rule_edit_view(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    activity = _activity_or_404(slug)
    rule = retention_rule_get(activity=activity, rule_id=rule_id)
    if rule is None:
        raise Http404
    return _rule_page(request, activity, rule)


@roles_required(Role.DPO)
@require_POST
def rule_delete_view(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    activity = _activity_or_404(slug)
    rule = retention_rule_get(activity=activity, rule_id=rule_id)
    if rule is None:
        raise Http404
    try:
        retention_rule_delete(actor=_actor(request), rule=rule)
    except GardeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Durée de conservation supprimée."))
    return redirect("register:console_activity", slug=slug)


def _versions_page(request: HttpRequest, form: PublishForm, *, status: int = 200) -> HttpResponse:
    versions = register_version_list().select_related("published_by")
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "register/console_versions.html",
        {"page": page, "form": form, "query": ""},
        status=status,
    )


@roles_required(Role.DPO)
def version_list_view(request: HttpRequest) -> HttpResponse:
    return _versions_page(request, PublishForm())


@roles_required(Role.DPO)
@require_POST
def version_publish_view(request: HttpRequest) -> HttpResponse:
    # Imported here: publishing is written alongside the console (see services/__init__).
    from garde.register.services.publishing import register_publish

    form = PublishForm(request.POST)
    if not form.is_valid():
        return _versions_page(request, form, status=400)
    try:
        version = register_publish(actor=_actor(request), note=form.cleaned_data["note"])
    except GardeError as error:
        _attach_error(form, error)
        return _versions_page(request, form, status=400)
    messages.success(request, _("Version n° %(number)d publiée.") % {"number": version.number})
    return redirect("register:console_version", number=version.number)


@roles_required(Role.DPO)
def version_detail_view(request: HttpRequest, number: int) -> HttpResponse:
    version = _version_or_404(number)
    return render(
        request,
        "register/console_version.html",
        {"version": version, "parts": register_sheets(version.snapshot, "fr")},
    )


@roles_required(Role.DPO)
def version_compare_view(request: HttpRequest) -> HttpResponse:
    numbers = list(register_version_list().values_list("number", flat=True))
    context: dict[str, Any] = {
        "numbers": numbers,
        "a": request.GET.get("a", ""),
        "b": request.GET.get("b", ""),
    }
    if context["a"] and context["b"]:
        old, new = _version_or_404(context["a"]), _version_or_404(context["b"])
        diffs = register_diff(old.snapshot, new.snapshot)
        context.update(
            old=old,
            new=new,
            diffs=[
                {
                    "diff": diff,
                    "changes": [(field_label(c.field), c) for c in diff.changes],
                }
                for diff in diffs
            ],
            operator_changes=[
                (field_label(c.field), c) for c in operator_diff(old.snapshot, new.snapshot)
            ],
        )
    return render(request, "register/console_compare.html", context)


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    number = request.GET.get("version")
    version = _version_or_404(number) if number else register_version_latest()
    if version is None:
        raise Http404
    role = request.GET.get("role") if request.GET.get("role") in ProcessingRole else None
    content: str | bytes
    if fmt == "csv":
        content = register_to_csv(
            version.snapshot,
            role,
            version_number=version.number,
            published_at=version.published_at,
        )
    elif fmt == "json":
        content = register_to_json(
            version.snapshot, version_number=version.number, published_at=version.published_at
        )
    else:
        content = register_to_pdf(
            version.snapshot, version_number=version.number, published_at=version.published_at
        )
    day = timezone.localtime(version.published_at).date().isoformat()
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="registre-v{version.number}-{day}.{fmt}"'
    )
    return response


@roles_required(Role.DPO)
def export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt)


urlpatterns: list[URLPattern] = [
    path("console/register/", activity_list_view, name="console_activities"),
    path("console/register/new/", activity_create_view, name="console_activity_create"),
    path(
        "console/register/activities/<slug:slug>/",
        activity_detail_view,
        name="console_activity",
    ),
    path(
        "console/register/activities/<slug:slug>/edit/",
        activity_edit_view,
        name="console_activity_edit",
    ),
    path(
        "console/register/activities/<slug:slug>/archive/",
        activity_archive_view,
        name="console_activity_archive",
    ),
    path(
        "console/register/activities/<slug:slug>/restore/",
        activity_restore_view,
        name="console_activity_restore",
    ),
    path(
        "console/register/activities/<slug:slug>/rules/new/",
        rule_create_view,
        name="console_rule_create",
    ),
    path(
        "console/register/activities/<slug:slug>/rules/<int:rule_id>/",
        rule_edit_view,
        name="console_rule_edit",
    ),
    path(
        "console/register/activities/<slug:slug>/rules/<int:rule_id>/delete/",
        rule_delete_view,
        name="console_rule_delete",
    ),
    path("console/register/versions/", version_list_view, name="console_versions"),
    path("console/register/versions/publish/", version_publish_view, name="console_publish"),
    path("console/register/versions/compare/", version_compare_view, name="console_compare"),
    path(
        "console/register/versions/<int:number>/",
        version_detail_view,
        name="console_version",
    ),
    *(
        path(
            f"console/register/export.{fmt}",
            export_view,
            {"fmt": fmt},
            name=f"console_export_{fmt}",
        )
        for fmt in EXPORT_TYPES
    ),
]
