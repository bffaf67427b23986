"""DPO console pages of the fulfilment engine: the data map (systems and their connection test,
fideslang datasets: import, read, export) and the erasure settings (policies per data
category, legal keeps). DPO only.

The views parse, call a service (``garde.dsr.services``, ``garde.dsr.policies``) and render.
A system's connection URL is never rendered: pages show ``connection_display`` (password
masked), and the add form's URL input is never filled back after an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from garde.accounts.models import User
from garde.core.errors import GardeError
from garde.core.permissions import roles_required
from garde.core.roles import Role
from garde.dsr.errors import DatasetInvalidError
from garde.dsr.forms import (
    STRATEGY_LABELS,
    SYSTEM_TYPE_LABELS,
    DatasetImportForm,
    ErasurePolicyForm,
    LegalKeepForm,
    SystemAddForm,
)
from garde.dsr.models import Dataset, DataSystem, ErasurePolicy, LegalKeep
from garde.dsr.policies import (
    erasure_policy_delete,
    erasure_policy_set,
    legal_keep_delete,
    legal_keep_set,
)
from garde.dsr.services import dataset_import, system_add, system_test
from garde.dsr.spec import FieldSpec
from garde.register.models import DataCategory

PAGE_SIZE = 25
QUERY_MAX_LENGTH = 100


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _attach_error(form: forms.BaseForm, error: GardeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _page(request: HttpRequest, items: QuerySet[Any]) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


# --- reads (the data map is small and DPO-only: no per-organisation scoping applies) ---


def _systems() -> QuerySet[DataSystem]:
    # Each system lists its datasets: one query for all of them, not one per system.
    return DataSystem.objects.prefetch_related("datasets")


def _system_or_404(name: str) -> DataSystem:
    system = _systems().filter(name=name).first()
    if system is None:
        raise Http404
    return system


def _datasets(query: str) -> QuerySet[Dataset]:
    datasets = (
        Dataset.objects.select_related("system")
        .prefetch_related("data_categories")
        .defer("yaml_text", "system__url_encrypted", "system__description")
    )
    if query:
        datasets = datasets.filter(Q(fides_key__icontains=query) | Q(name__icontains=query))
    return datasets


def _dataset_or_404(fides_key: str) -> Dataset:
    dataset = (
        Dataset.objects.select_related("system")
        .prefetch_related("data_categories")
        .filter(fides_key=fides_key)
        .first()
    )
    if dataset is None:
        raise Http404
    return dataset


def _policy_or_404(policy_id: int) -> ErasurePolicy:
    policy = ErasurePolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise Http404
    return policy


def _keep_or_404(keep_id: int) -> LegalKeep:
    keep = LegalKeep.objects.filter(pk=keep_id).first()
    if keep is None:
        raise Http404
    return keep


# --- systems ---


@roles_required(Role.DPO)
def system_list_view(request: HttpRequest) -> HttpResponse:
    page = _page(request, _systems())
    rows = [(system, SYSTEM_TYPE_LABELS.get(system.type, system.type)) for system in page]
    return render(
        request,
        "dsr/console_systems.html",
        {"page": page, "rows": rows, "query": "", "section": "systems"},
    )


@roles_required(Role.DPO)
def system_add_view(request: HttpRequest) -> HttpResponse:
    form = SystemAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            system = system_add(actor=_actor(request), **form.service_arguments())
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Système ajouté. Testez maintenant sa connexion."))
            return redirect("dsr_console:system_detail", system_name=system.name)
    return render(
        request,
        "dsr/console_system_form.html",
        {"form": form, "section": "systems"},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def system_detail_view(request: HttpRequest, system_name: str) -> HttpResponse:
    system = _system_or_404(system_name)
    return render(
        request,
        "dsr/console_system.html",
        {
            "system": system,
            "type_label": SYSTEM_TYPE_LABELS.get(system.type, system.type),
            "section": "systems",
        },
    )


@roles_required(Role.DPO)
@require_POST
def system_test_view(request: HttpRequest, system_name: str) -> HttpResponse:
    system = system_test(system=_system_or_404(system_name), actor=_actor(request))
    if system.last_test_ok:
        messages.success(
            request,
            _("Connexion réussie : %(message)s") % {"message": system.last_test_message},
        )
    else:
        messages.error(
            request,
            _("Échec de la connexion : %(message)s") % {"message": system.last_test_message},
        )
    return redirect("dsr_console:system_detail", system_name=system.name)


# --- datasets ---


@dataclass(frozen=True)
class FieldRow:
    """One field of a collection as the detail page shows it, nested fields indented."""

    field: FieldSpec
    depth: int
    categories: list[tuple[str, str]]  # (key, the register's name)
    references: list[tuple[str, str]]  # (dataset.collection.field, direction in words)

    @property
    def indent(self) -> str:
        # Drawn with text: the content security policy allows no inline style.
        return "\u00a0\u00a0\u00a0" * self.depth + "↳\u00a0"


@dataclass(frozen=True)
class CollectionView:
    name: str
    categories: list[tuple[str, str]]
    fields: list[FieldRow]


def _direction_label(direction: str | None) -> str:
    if direction == "to":
        return _("vers (ce champ porte la clé de l'autre)")
    if direction == "from":
        return _("depuis (l'autre collection porte la clé de celle-ci)")
    return _("dans les deux sens")


def _collection_views(dataset: Dataset) -> list[CollectionView]:
    names = {c.key: c.name for c in dataset.data_categories.all()}

    def named(keys: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(key, names.get(key, "")) for key in keys]

    def rows(fields: tuple[FieldSpec, ...], depth: int) -> list[FieldRow]:
        out: list[FieldRow] = []
        for field in fields:
            references = [
                (f"{r.dataset}.{r.collection}.{r.field}", _direction_label(r.direction))
                for r in field.references
            ]
            out.append(FieldRow(field, depth, named(field.data_categories), references))
            out.extend(rows(field.fields, depth + 1))
        return out

    spec = dataset.spec_object()
    return [
        CollectionView(c.name, named(c.data_categories), rows(c.fields, 0))
        for c in spec.collections
    ]


@roles_required(Role.DPO)
def dataset_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    page = _page(request, _datasets(q))
    rows = [(dataset, len(dataset.spec.get("collections", []))) for dataset in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dsr/console_datasets.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "query": query.urlencode(),
            "section": "datasets",
        },
    )


@roles_required(Role.DPO)
def dataset_import_view(request: HttpRequest) -> HttpResponse:
    form = DatasetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            imported = dataset_import(
                text=data["source_text"],
                filename=data["source_name"],
                actor=_actor(request),
                system=data["system"],
            )
        except DatasetInvalidError as error:
            for problem in error.problems:
                form.add_error(data["source_field"], str(problem))
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d jeu de données importé.",
                    "%(count)d jeux de données importés.",
                    len(imported),
                )
                % {"count": len(imported)},
            )
            if len(imported) == 1:
                return redirect("dsr_console:dataset_detail", fides_key=imported[0].fides_key)
            return redirect("dsr_console:dataset_list")
    return render(
        request,
        "dsr/console_dataset_import.html",
        {"form": form, "section": "datasets"},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def dataset_detail_view(request: HttpRequest, fides_key: str) -> HttpResponse:
    dataset = _dataset_or_404(fides_key)
    return render(
        request,
        "dsr/console_dataset.html",
        {
            "dataset": dataset,
            "description": dataset.spec.get("description", ""),
            "collections": _collection_views(dataset),
            "section": "datasets",
        },
    )


@roles_required(Role.DPO)
def dataset_export_view(request: HttpRequest, fides_key: str) -> HttpResponse:
    dataset = Dataset.objects.filter(fides_key=fides_key).only("fides_key", "yaml_text").first()
    if dataset is None:
        raise Http404
    response = HttpResponse(dataset.yaml_text, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{dataset.fides_key}.yml"
    )
    return response


# --- erasure policies ---


@roles_required(Role.DPO)
def policy_list_view(request: HttpRequest) -> HttpResponse:
    page = _page(request, ErasurePolicy.objects.all())
    keys = [policy.data_category for policy in page]
    names = {c.key: c.name for c in DataCategory.objects.filter(key__in=keys)}
    rows = [
        (policy, names.get(policy.data_category, ""), STRATEGY_LABELS.get(policy.strategy, ""))
        for policy in page
    ]
    default = settings.GARDE_DSR_DEFAULT_STRATEGY
    return render(
        request,
        "dsr/console_policies.html",
        {
            "page": page,
            "rows": rows,
            "default_label": STRATEGY_LABELS.get(default, default),
            "query": "",
            "section": "policies",
        },
    )


def _policy_page(request: HttpRequest, policy: ErasurePolicy | None) -> HttpResponse:
    initial = None
    if policy is not None:
        initial = {
            "data_category": policy.data_category,
            "strategy": policy.strategy,
            "fixed_value": policy.fixed_value,
            "reason_fr": policy.reason_fr,
            "reason_en": policy.reason_en,
        }
    form = ErasurePolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_policy_set(
                actor=_actor(request), policy=policy, request=request, **form.cleaned_data
            )
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Règle d'effacement enregistrée."))
            return redirect("dsr_console:policy_list")
    return render(
        request,
        "dsr/console_policy_form.html",
        {
            "form": form,
            "policy": policy,
            "categories": DataCategory.objects.only("key", "name_fr", "name_en"),
            "section": "policies",
        },
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def policy_create_view(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, None)


@roles_required(Role.DPO)
def policy_edit_view(request: HttpRequest, policy_id: int) -> HttpResponse:
    return _policy_page(request, _policy_or_404(policy_id))


@roles_required(Role.DPO)
@require_POST
def policy_delete_view(request: HttpRequest, policy_id: int) -> HttpResponse:
    erasure_policy_delete(actor=_actor(request), policy=_policy_or_404(policy_id), request=request)
    messages.success(request, _("Règle d'effacement supprimée."))
    return redirect("dsr_console:policy_list")


# --- legal keeps ---


@roles_required(Role.DPO)
def keep_list_view(request: HttpRequest) -> HttpResponse:
    page = _page(request, LegalKeep.objects.all())
    imported = set(
        Dataset.objects.filter(fides_key__in=[keep.dataset for keep in page]).values_list(
            "fides_key", flat=True
        )
    )
    rows = [(keep, keep.dataset in imported) for keep in page]
    return render(
        request,
        "dsr/console_keeps.html",
        {"page": page, "rows": rows, "query": "", "section": "keeps"},
    )


def _keep_page(request: HttpRequest, keep: LegalKeep | None) -> HttpResponse:
    initial = None
    if keep is not None:
        initial = {
            "dataset": keep.dataset,
            "collection": keep.collection,
            "reason_fr": keep.reason_fr,
            "reason_en": keep.reason_en,
            "legal_basis": keep.legal_basis,
        }
    form = LegalKeepForm(
        request.POST or None,
        initial=initial,
        current_dataset=keep.dataset if keep is not None else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            legal_keep_set(actor=_actor(request), keep=keep, request=request, **form.cleaned_data)
        except GardeError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Conservation légale enregistrée."))
            return redirect("dsr_console:keep_list")
    return render(
        request,
        "dsr/console_keep_form.html",
        {"form": form, "keep": keep, "section": "keeps"},
        status=400 if form.errors else 200,
    )


@roles_required(Role.DPO)
def keep_create_view(request: HttpRequest) -> HttpResponse:
    return _keep_page(request, None)


@roles_required(Role.DPO)
def keep_edit_view(request: HttpRequest, keep_id: int) -> HttpResponse:
    return _keep_page(request, _keep_or_404(keep_id))


@roles_required(Role.DPO)
@require_POST
def keep_delete_view(request: HttpRequest, keep_id: int) -> HttpResponse:
    legal_keep_delete(actor=_actor(request), keep=_keep_or_404(keep_id), request=request)
    messages.success(request, _("Conservation légale supprimée."))
    return redirect("dsr_console:keep_list")
