"""State changes of the erasure settings: per data category, how erasure masks a value
(``ErasurePolicy``), and what the law requires to keep (``LegalKeep``). Each writes its audit
event in the same transaction. The caller is responsible for checking that the actor is a DPO."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from garde.core.errors import GardeError
from garde.core.services import audit_record
from garde.dsr.choices import ErasureStrategy
from garde.dsr.models import Dataset, ErasurePolicy, LegalKeep
from garde.register.models import DataCategory

if TYPE_CHECKING:
    from django.http import HttpRequest

    from garde.accounts.models import User

__all__ = [
    "erasure_policy_delete",
    "erasure_policy_set",
    "legal_keep_delete",
    "legal_keep_set",
]


def _policy_state(policy: ErasurePolicy) -> dict[str, Any]:
    return {
        "data_category": policy.data_category,
        "strategy": policy.strategy,
        "fixed_value": policy.fixed_value,
        "reason_fr": policy.reason_fr,
        "reason_en": policy.reason_en,
    }


def _keep_state(keep: LegalKeep) -> dict[str, Any]:
    return {
        "dataset": keep.dataset,
        "collection": keep.collection,
        "reason_fr": keep.reason_fr,
        "reason_en": keep.reason_en,
        "legal_basis": keep.legal_basis,
    }


@transaction.atomic
def erasure_policy_set(
    *,
    actor: User | None,
    data_category: str,
    strategy: str,
    fixed_value: str = "",
    reason_fr: str = "",
    reason_en: str = "",
    policy: ErasurePolicy | None = None,
    request: HttpRequest | None = None,
) -> ErasurePolicy:
    """Create a policy (``policy`` None) or change ``policy``. One policy per data category,
    which must be in the register's taxonomy. ``fixed`` needs its replacement value (kept only
    for that strategy, so a stale value never lingers); ``keep`` needs its legal reason in
    French, since every erasure answer quotes it."""
    data_category = data_category.strip()
    fixed_value = fixed_value.strip()
    reason_fr, reason_en = reason_fr.strip(), reason_en.strip()
    if strategy not in ErasureStrategy.values:
        raise GardeError(
            f"unknown erasure strategy '{strategy}'", field="strategy", code="dsr_policy_strategy"
        )
    if not DataCategory.objects.filter(key=data_category).exists():
        raise GardeError(
            f"'{data_category}' is not a data category of the register",
            field="data_category",
            code="dsr_policy_category_unknown",
        )
    taken = ErasurePolicy.objects.filter(data_category=data_category)
    if policy is not None:
        taken = taken.exclude(pk=policy.pk)
    if taken.exists():
        raise GardeError(
            f"the data category '{data_category}' already has a policy",
            field="data_category",
            code="dsr_policy_exists",
        )
    if strategy == ErasureStrategy.FIXED and not fixed_value:
        raise GardeError(
            "the fixed strategy needs its replacement value",
            field="fixed_value",
            code="dsr_policy_fixed_value_required",
        )
    if strategy == ErasureStrategy.KEEP and not reason_fr:
        raise GardeError(
            "keeping a category needs its legal reason",
            field="reason_fr",
            code="dsr_policy_reason_required",
        )
    created = policy is None
    previous = None if policy is None else _policy_state(policy)
    target = policy if policy is not None else ErasurePolicy()
    target.data_category = data_category
    target.strategy = strategy
    target.fixed_value = fixed_value if strategy == ErasureStrategy.FIXED else ""
    target.reason_fr = reason_fr
    target.reason_en = reason_en
    target.updated_at = timezone.now()
    target.save()
    audit_record(
        action="dsr.erasure_policy_set",
        actor=actor,
        obj=target,
        request=request,
        details={**_policy_state(target), "created": created, "previous": previous},
    )
    return target


@transaction.atomic
def erasure_policy_delete(
    *, actor: User | None, policy: ErasurePolicy, request: HttpRequest | None = None
) -> None:
    """Remove a policy: its category falls back to its parent's policy, or the default."""
    state = _policy_state(policy)
    audit_record(
        action="dsr.erasure_policy_deleted",
        actor=actor,
        obj=policy,
        request=request,
        details=state,
    )
    policy.delete()


@transaction.atomic
def legal_keep_set(
    *,
    actor: User | None,
    dataset: str,
    reason_fr: str,
    collection: str = "",
    reason_en: str = "",
    legal_basis: str = "",
    keep: LegalKeep | None = None,
    request: HttpRequest | None = None,
) -> LegalKeep:
    """Create a legal keep (``keep`` None) or change ``keep``: erasure leaves ``collection`` of
    the imported ``dataset`` (the whole dataset when ``collection`` is blank) in place and
    quotes ``reason_fr`` / ``reason_en``. One keep per dataset and collection.

    A new keep must name an imported dataset. An existing keep may keep naming one that is
    not imported (yet): the default keeps name Garde's own stores before every store has its
    dataset file, and the DPO must still be able to edit their reasons."""
    dataset, collection = dataset.strip(), collection.strip()
    reason_fr, reason_en, legal_basis = reason_fr.strip(), reason_en.strip(), legal_basis.strip()
    stored = Dataset.objects.filter(fides_key=dataset).only("fides_key", "spec").first()
    unchanged_dataset = keep is not None and keep.dataset == dataset
    if stored is None and not unchanged_dataset:
        raise GardeError(
            f"no imported dataset '{dataset}'", field="dataset", code="dsr_keep_dataset_unknown"
        )
    collections = {c["name"] for c in stored.spec.get("collections", [])} if stored else set()
    if collection and stored is not None and collection not in collections:
        raise GardeError(
            f"the dataset '{dataset}' has no collection '{collection}'",
            field="collection",
            code="dsr_keep_collection_unknown",
        )
    if not reason_fr:
        raise GardeError(
            "a legal keep needs its reason in French",
            field="reason_fr",
            code="dsr_keep_reason_required",
        )
    taken = LegalKeep.objects.filter(dataset=dataset, collection=collection)
    if keep is not None:
        taken = taken.exclude(pk=keep.pk)
    if taken.exists():
        raise GardeError(
            "this dataset and collection are already kept",
            field="collection",
            code="dsr_keep_exists",
        )
    created = keep is None
    previous = None if keep is None else _keep_state(keep)
    target = keep if keep is not None else LegalKeep()
    target.dataset = dataset
    target.collection = collection
    target.reason_fr = reason_fr
    target.reason_en = reason_en
    target.legal_basis = legal_basis
    target.save()
    audit_record(
        action="dsr.legal_keep_set",
        actor=actor,
        obj=target,
        request=request,
        details={**_keep_state(target), "created": created, "previous": previous},
    )
    return target


@transaction.atomic
def legal_keep_delete(
    *, actor: User | None, keep: LegalKeep, request: HttpRequest | None = None
) -> None:
    """Remove a legal keep: the next erasures reach that data again."""
    state = _keep_state(keep)
    audit_record(
        action="dsr.legal_keep_deleted", actor=actor, obj=keep, request=request, details=state
    )
    keep.delete()
