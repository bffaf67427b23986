"""Reading fulfilment runs for the DPO console: who sees which run, what a rights request may
start, and what its run section shows.

A run started from a request is seen by whoever sees the request in the console (the DPO team
sees the operator's queue, support what is assigned to them); a run started from the command
line, with no request, by the DPO team only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from garde.accounts.selectors import user_roles
from garde.core.models import AuditEvent
from garde.core.roles import Role
from garde.dsr.choices import RunKind
from garde.dsr.connectors.base import primary_key_fields
from garde.dsr.erasure import is_personal
from garde.dsr.models import (
    AccessPackage,
    Dataset,
    ErasureReceipt,
    FulfilmentRun,
    ProcessingRestriction,
    RecipientNotification,
)
from garde.requests.choices import OPEN_STATUSES, RequestKind, Right
from garde.requests.selectors import request_list_for_operator

if TYPE_CHECKING:
    from garde.accounts.models import User
    from garde.requests.models import Request

ACCESS_RIGHTS = frozenset({Right.ACCESS.value, Right.PORTABILITY.value})
RECEIPT_SENT_ACTION = "dsr.erasure_receipt_sent"


def run_list_for_user(*, user: User) -> QuerySet[FulfilmentRun]:
    """The runs ``user`` may see, newest first, with their request and author (no N+1)."""
    runs = FulfilmentRun.objects.select_related("request", "created_by", "released_by")
    if Role.DPO not in user_roles(user):
        runs = runs.filter(request__in=request_list_for_operator(user=user))
    return runs.order_by("-created_at", "-pk")


def run_get_for_user(*, user: User, pk: int) -> FulfilmentRun | None:
    return run_list_for_user(user=user).filter(pk=pk).first()


@dataclass(frozen=True)
class RunRecords:
    """What a run's page shows besides the run itself."""

    package: AccessPackage | None
    receipt: ErasureReceipt | None
    applied_run: FulfilmentRun | None  # the erasure a dry run was applied as
    restriction: ProcessingRestriction | None


def run_records(run: FulfilmentRun) -> RunRecords:
    """The package of an access run, the receipt of an erasure, the applied run of a dry run,
    the restriction of a restriction run: each read only for the kind that has it."""
    result = run.result or {}
    applied_pk = result.get("applied_run") if run.dry_run else None
    restriction_pk = result.get("restriction") if run.kind == RunKind.RESTRICTION else None
    return RunRecords(
        package=run_package(run) if run.kind == RunKind.ACCESS else None,
        receipt=(
            ErasureReceipt.objects.filter(run=run).first() if run.kind == RunKind.ERASURE else None
        ),
        applied_run=FulfilmentRun.objects.filter(pk=applied_pk).first() if applied_pk else None,
        restriction=(
            ProcessingRestriction.objects.filter(pk=restriction_pk).first()
            if restriction_pk
            else None
        ),
    )


def run_package(run: FulfilmentRun) -> AccessPackage | None:
    return AccessPackage.objects.filter(run=run).first()


def notification_get_for_run(*, run: FulfilmentRun, pk_text: str) -> RecipientNotification | None:
    """The art. 19 task ``pk_text`` (as posted) of ``run``, or None if it is not one of its."""
    if not pk_text.isdigit():
        return None
    return RecipientNotification.objects.filter(run=run, pk=int(pk_text)).first()


def request_run_kinds(request: Request) -> frozenset[str]:
    """What the request's rights let the DPO team run, while the request is open: an access
    package (access or portability), an erasure, a rectification, a restriction."""
    if request.kind != RequestKind.RIGHTS or request.status not in OPEN_STATUSES:
        return frozenset()
    rights = set(request.rights)
    kinds: set[str] = set()
    if rights & ACCESS_RIGHTS:
        kinds.add(RunKind.ACCESS)
    if Right.ERASURE in rights:
        kinds.add(RunKind.ERASURE)
    if Right.RECTIFICATION in rights:
        kinds.add(RunKind.RECTIFICATION)
    if Right.RESTRICTION in rights:
        kinds.add(RunKind.RESTRICTION)
    return frozenset(kinds)


def restriction_list_for_request(*, request: Request) -> QuerySet[ProcessingRestriction]:
    return ProcessingRestriction.objects.filter(request=request).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class RequestRunsPanel:
    """The "Exécution" section of a request's console page: its runs, its restrictions, and
    which forms the viewer may use."""

    runs: list[FulfilmentRun]
    restrictions: list[ProcessingRestriction]
    shown: bool
    can_access: bool
    can_erase: bool
    can_rectify: bool
    can_restrict: bool
    is_dpo: bool
    email: str


def request_runs_panel(*, request: Request, user: User) -> RequestRunsPanel:
    """What the request page shows of the fulfilment engine for ``user`` (two queries)."""
    runs = list(
        FulfilmentRun.objects.filter(request=request)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
    restrictions = list(restriction_list_for_request(request=request))
    kinds = request_run_kinds(request)
    roles = user_roles(user)
    is_dpo = Role.DPO in roles
    handler = bool(roles & {Role.DPO, Role.SUPPORT})
    return RequestRunsPanel(
        runs=runs,
        restrictions=restrictions,
        shown=request.kind == RequestKind.RIGHTS or bool(runs),
        can_access=handler and RunKind.ACCESS in kinds,
        can_erase=is_dpo and RunKind.ERASURE in kinds,
        can_rectify=is_dpo and RunKind.RECTIFICATION in kinds,
        can_restrict=is_dpo and RunKind.RESTRICTION in kinds,
        is_dpo=is_dpo,
        email=request.requester_email,
    )


def erasure_dry_run_of(run: FulfilmentRun) -> FulfilmentRun | None:
    """The dry run an applied erasure run was started from, if any."""
    if run.kind != RunKind.ERASURE or run.dry_run:
        return None
    return FulfilmentRun.objects.filter(
        kind=RunKind.ERASURE, dry_run=True, result__applied_run=run.pk
    ).first()


def restriction_run_of(restriction: ProcessingRestriction) -> FulfilmentRun | None:
    """The restriction run ``restriction_create`` opened the art. 19 tasks on."""
    return (
        FulfilmentRun.objects.filter(kind=RunKind.RESTRICTION, result__restriction=restriction.pk)
        .order_by("pk")
        .first()
    )


def receipt_sends(run: FulfilmentRun) -> QuerySet[AuditEvent]:
    """When the run's erasure receipt was mailed to the requester, newest first."""
    return (
        AuditEvent.objects.filter(
            action=RECEIPT_SENT_ACTION,
            object_type=FulfilmentRun._meta.label_lower,
            object_id=str(run.pk),
        )
        .select_related("actor")
        .order_by("-occurred_at", "-pk")
    )


@dataclass(frozen=True)
class RectificationTarget:
    """A field the console can rectify: a top-level, non-key field with personal data, of a
    dataset tied to a system. ``key_types`` gives each primary-key field's declared type."""

    dataset: str
    collection: str
    field: str
    data_type: str | None
    key_types: dict[str, str | None]

    @property
    def value(self) -> str:
        return f"{self.dataset}:{self.collection}:{self.field}"

    @property
    def label(self) -> str:
        return f"{self.dataset} / {self.collection} / {self.field}"


def rectification_targets() -> list[RectificationTarget]:
    """Every field a rectification may set, in dataset, collection and field order."""
    targets: list[RectificationTarget] = []
    datasets = Dataset.objects.filter(system__isnull=False).only("fides_key", "spec")
    for dataset in datasets.order_by("fides_key"):
        spec = dataset.spec_object()
        for collection in spec.collections:
            keys = primary_key_fields(collection)
            if not keys:
                continue
            key_types = {f.name: f.data_type for f in collection.fields if f.primary_key}
            for spec_field in collection.fields:
                if spec_field.primary_key or not any(
                    is_personal(c) for c in spec_field.data_categories
                ):
                    continue
                targets.append(
                    RectificationTarget(
                        dataset=spec.fides_key,
                        collection=collection.name,
                        field=spec_field.name,
                        data_type=spec_field.data_type,
                        key_types=key_types,
                    )
                )
    return targets


__all__ = [
    "ACCESS_RIGHTS",
    "RectificationTarget",
    "RequestRunsPanel",
    "erasure_dry_run_of",
    "receipt_sends",
    "rectification_targets",
    "request_run_kinds",
    "request_runs_panel",
    "restriction_list_for_request",
    "restriction_run_of",
    "run_get_for_user",
    "run_list_for_user",
]
