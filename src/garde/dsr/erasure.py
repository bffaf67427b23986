"""Erasure (GDPR art. 17), rectification (art. 16), restriction (art. 18) and the notification of
recipients (art. 19), on top of the traversal engine.

Policy resolution. A field's strategy comes from its *personal* data categories only: those under
``user`` (fideslang). Other categories (``system.operations`` ...) are not personal data and a
field carrying only those is never touched; a field with no category is never touched either.
For each personal category the most specific :class:`ErasurePolicy` applies (``a.b.c``, else
``a.b``, else ``a``), else ``GARDE_DSR_DEFAULT_STRATEGY``. When a field carries several personal
categories, the strongest strategy wins: ``delete`` > ``random`` > ``fixed`` > ``hash`` >
``null`` > ``keep``. Among the three replacements, ``hash`` ranks lowest because it keeps values
linkable (a pseudonym); ``keep`` ranks lowest of all, so a ``keep`` policy on one category never
shields a field another of its categories says to erase. What the law requires to keep whatever
its fields say is declared as a :class:`LegalKeep` on a collection or dataset: that one wins over
every policy, and is listed with its legal reason.

Masking. ``fixed``, ``hash`` (HMAC-SHA-256 of the old value with Garde's key
``<data dir>/keys/erasure-hmac.key``, hex) and ``random`` (``secrets``) write strings cut to the
field's ``length``; they apply only to fields declared ``data_type: string``. Any other field
(typed otherwise, or untyped, whose column type is unknown) falls back to ``null``: the fallback
always erases more, never less, and never writes a string into a numeric column. A value that is
already null stays null. Primary-key fields and fields on either side of a reference are never
masked: they keep rows addressable (the journal replays by primary key) and joins intact, and
they hold keys, not the person's data itself; a ``delete`` strategy on them still deletes the
row. Nested fields (inside objects) are not masked by the SQL connectors; they are listed as
"cannot be targeted".

Journal. Each applied action is first written to the :class:`ErasureJournalEntry` journal
(primary keys and replacement values, never old values), then applied; a failed action's entry is
withdrawn. So a crash between the two leaves an entry that replay applies again, which is what
the erasure decided; it can never leave an erasure that replay does not know.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from garde.core.errors import GardeError, NotFoundError
from garde.core.services import audit_record
from garde.core.signing import key_dir, key_file_read_or_create
from garde.dsr.choices import ErasureStrategy, NotificationStatus, RunKind, RunStatus
from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    PrimaryKey,
    Row,
    connector_create,
    primary_key_fields,
)
from garde.dsr.engine import (
    AccessResult,
    CollectionAddress,
    ErasureAction,
    Plan,
    erasure_apply,
    erasure_dry_run,
)
from garde.dsr.models import (
    Dataset,
    DataSystem,
    ErasureJournalEntry,
    ErasurePolicy,
    FulfilmentRun,
    LegalKeep,
    ProcessingRestriction,
    RecipientNotification,
)
from garde.dsr.receipts import receipt_create
from garde.dsr.runtime import DataMap, access_collect, connectors_open, data_map_load
from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec

if TYPE_CHECKING:
    from garde.accounts.models import User
    from garde.requests.models import Request

logger = logging.getLogger(__name__)

PERSONAL_ROOT = "user"
HMAC_KEY_FILE = "erasure-hmac.key"
RANDOM_ALPHABET = string.ascii_letters + string.digits
RANDOM_MAX_LENGTH = 32
STRING_STRATEGIES = frozenset({ErasureStrategy.FIXED, ErasureStrategy.HASH, ErasureStrategy.RANDOM})
STRENGTH = {
    ErasureStrategy.KEEP: 0,
    ErasureStrategy.NULL: 1,
    ErasureStrategy.HASH: 2,
    ErasureStrategy.FIXED: 3,
    ErasureStrategy.RANDOM: 4,
    ErasureStrategy.DELETE: 5,
}

Progress = Callable[[int, int, str], None]  # done, total, message
KeptKind = Literal["legal_keep", "policy_keep", "no_primary_key", "nested"]


class ErasureError(GardeError):
    code = "dsr_erasure_error"


# --- policies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRule:
    """The strategy of one data category (an :class:`ErasurePolicy` row, or the default)."""

    strategy: str
    category: str = ""  # the category whose policy applied; "" for the default
    fixed_value: str = ""
    reason_fr: str = ""
    reason_en: str = ""


def is_personal(category: str) -> bool:
    """Personal data categories are fideslang's ``user`` tree."""
    return category == PERSONAL_ROOT or category.startswith(PERSONAL_ROOT + ".")


def default_rule() -> PolicyRule:
    strategy = settings.GARDE_DSR_DEFAULT_STRATEGY
    if strategy not in ErasureStrategy.values:
        raise ErasureError(
            f"GARDE_DSR_DEFAULT_STRATEGY is '{strategy}', not one of "
            f"{', '.join(ErasureStrategy.values)}",
            code="dsr_default_strategy_invalid",
        )
    return PolicyRule(strategy=strategy)


def policies_load() -> dict[str, PolicyRule]:
    """Every stored erasure policy, by data category."""
    return {
        p.data_category: PolicyRule(
            strategy=p.strategy,
            category=p.data_category,
            fixed_value=p.fixed_value,
            reason_fr=p.reason_fr,
            reason_en=p.reason_en,
        )
        for p in ErasurePolicy.objects.all()
    }


def policy_for_category(
    category: str, policies: Mapping[str, PolicyRule], default: PolicyRule | None = None
) -> PolicyRule:
    """The most specific policy of ``category`` (``a.b.c``, ``a.b``, ``a``), else ``default``."""
    parts = category.split(".")
    for end in range(len(parts), 0, -1):
        rule = policies.get(".".join(parts[:end]))
        if rule is not None:
            return rule
    return default if default is not None else default_rule()


def policy_for_field(
    spec_field: FieldSpec, policies: Mapping[str, PolicyRule], default: PolicyRule | None = None
) -> PolicyRule | None:
    """The strongest policy among the field's personal categories; None when it has none."""
    personal = [c for c in spec_field.data_categories if is_personal(c)]
    if not personal:
        return None
    default = default if default is not None else default_rule()
    rules = [policy_for_category(c, policies, default) for c in personal]
    return max(rules, key=lambda r: (STRENGTH[ErasureStrategy(r.strategy)], r.category))


# --- masking values ------------------------------------------------------------------------


@cache
def _hmac_key_at(path: Path) -> bytes:
    content = key_file_read_or_create(path, lambda: secrets.token_hex(32).encode("ascii"))
    return bytes.fromhex(content.decode("ascii").strip())


def hmac_key() -> bytes:
    """Garde's erasure HMAC key (32 bytes), created on first use, mode 0600."""
    return _hmac_key_at(key_dir() / HMAC_KEY_FILE)


def is_string_field(spec_field: FieldSpec) -> bool:
    return (spec_field.data_type or "").lower() == "string"


def effective_strategy(strategy: str, spec_field: FieldSpec) -> str:
    """The strategy as applied to this field: string replacements fall back to null on a field
    not declared ``data_type: string``."""
    if strategy in STRING_STRATEGIES and not is_string_field(spec_field):
        return ErasureStrategy.NULL
    return strategy


def _cut(value: str, length: int | None) -> str:
    return value[:length] if length is not None and length > 0 else value


def _hash_input(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def mask_value(
    *,
    strategy: str,
    spec_field: FieldSpec,
    old: object,
    fixed_value: str = "",
    key: bytes | None = None,
) -> object:
    """The replacement of ``old`` under ``strategy`` (not ``delete``/``keep``), respecting the
    field's type and length (see the module docstring)."""
    strategy = effective_strategy(strategy, spec_field)
    if old is None or strategy == ErasureStrategy.NULL:
        return None
    length = spec_field.length
    if strategy == ErasureStrategy.FIXED:
        return _cut(fixed_value, length)
    if strategy == ErasureStrategy.HASH:
        digest = hmac.new(key or hmac_key(), _hash_input(old), hashlib.sha256).hexdigest()
        return _cut(digest, length)
    if strategy == ErasureStrategy.RANDOM:
        size = min(length, RANDOM_MAX_LENGTH) if length is not None and length > 0 else None
        size = size or RANDOM_MAX_LENGTH
        return "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(size))
    raise ErasureError(f"strategy '{strategy}' does not mask a value", code="dsr_strategy_invalid")


def jsonable(value: object) -> object:
    """A JSON-storable form of a key or replacement value (dates as ISO text, decimals as text,
    bytes as hex)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def preview_old(value: object) -> str | None:
    """An old value as a preview may show it: its first character and its size, never more."""
    if value is None:
        return None
    if isinstance(value, str):
        return f"{value[:1]}*** ({len(value)} chars)"
    return f"*** ({type(value).__name__})"


# --- planning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedErasure:
    """One action with what decided it: the system it runs on, the strategy per masked field as
    applied (after fallback), and the personal categories it erases (for art. 19)."""

    system: str
    action: ErasureAction
    strategies: Mapping[str, str]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class KeptItem:
    """Something of the person's that erasure leaves in place, and why."""

    dataset: str
    collection: str
    kind: KeptKind
    rows: int
    fields: tuple[str, ...] = ()
    reason_fr: str = ""
    reason_en: str = ""
    legal_basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "collection": self.collection,
            "kind": self.kind,
            "rows": self.rows,
            "fields": list(self.fields),
            "reason_fr": self.reason_fr,
            "reason_en": self.reason_en,
            "legal_basis": self.legal_basis,
        }


@dataclass
class ErasurePlanResult:
    actions: list[PlannedErasure]
    kept: list[KeptItem]
    categories: set[str] = field(default_factory=set)


NO_KEY_FR = (
    "Ne peut être ciblé : la collection ne déclare pas de clé primaire, ses lignes ne peuvent "
    "être désignées une à une. À effacer à la main."
)
NO_KEY_EN = (
    "Cannot be targeted: the collection declares no primary key, so its rows cannot be named "
    "one by one. To be erased by hand."
)
NESTED_FR = (
    "Ne peut être ciblé : champ imbriqué, non masqué par ce connecteur. À effacer à la main."
)
NESTED_EN = "Cannot be targeted: nested field, not masked by this connector. To be erased by hand."


def _linked_fields(specs: Iterable[DatasetSpec]) -> set[tuple[str, str, str]]:
    """(dataset, collection, top-level field) on either side of a reference."""
    linked: set[tuple[str, str, str]] = set()
    for spec in specs:
        for collection in spec.collections:
            for spec_field in collection.all_fields():
                for ref in spec_field.references:
                    linked.add((spec.fides_key, collection.name, spec_field.path[0]))
                    linked.add((ref.dataset, ref.collection, ref.field.split(".")[0]))
    return linked


def _deletion_order(
    plan: Plan, specs: Sequence[DatasetSpec], addresses: Iterable[CollectionAddress]
) -> list[CollectionAddress]:
    """Children before parents. The collection that declares a reference holds the foreign key
    (fideslang datasets declare references on the key column), so it goes before the collection
    it points to, whatever the reference's traversal direction; a plain reverse of the plan's
    levels would delete ``address`` before the ``customer`` rows that point to it. Ties and
    cycles follow the reverse of the plan's order."""
    wanted = set(addresses)
    reverse_rank = {a: i for i, a in enumerate(reversed(plan.order()))}
    before: dict[CollectionAddress, set[CollectionAddress]] = {a: set() for a in wanted}
    for spec in specs:
        for collection in spec.collections:
            here = CollectionAddress(spec.fides_key, collection.name)
            for spec_field in collection.all_fields():
                for ref in spec_field.references:
                    there = CollectionAddress(ref.dataset, ref.collection)
                    if here in wanted and there in wanted and here != there:
                        before[there].add(here)  # ``here`` must go before ``there``
    order: list[CollectionAddress] = []
    remaining = set(wanted)
    while remaining:
        ready = [a for a in remaining if not (before[a] & remaining)]
        pool = ready or list(remaining)  # a cycle: fall back to the plan's reverse order
        chosen = min(pool, key=lambda a: (reverse_rank.get(a, len(reverse_rank)), a))
        order.append(chosen)
        remaining.discard(chosen)
    return order


def _legal_keeps() -> list[LegalKeep]:
    return list(LegalKeep.objects.all())


def _legal_keep_for(address: CollectionAddress, keeps: Sequence[LegalKeep]) -> LegalKeep | None:
    exact = [
        k for k in keeps if k.dataset == address.dataset and k.collection == address.collection
    ]
    if exact:
        return exact[0]
    return next((k for k in keeps if k.dataset == address.dataset and not k.collection), None)


def erasure_plan(
    *,
    plan: Plan,
    result: AccessResult,
    data_map: DataMap,
    policies: Mapping[str, PolicyRule] | None = None,
    keeps: Sequence[LegalKeep] | None = None,
    key: bytes | None = None,
) -> ErasurePlanResult:
    """The actions that erase what ``result`` found, and what is kept with its reason.

    Per collection with rows: under a :class:`LegalKeep`, nothing (kept); if a personal field's
    strategy is ``delete``, delete the rows; otherwise mask each erasable field. Rows whose
    replacements differ (``hash``, ``random``) get one action each; rows sharing them, one
    action together. Actions are ordered so children are deleted before parents."""
    policies = policies if policies is not None else policies_load()
    keeps = keeps if keeps is not None else _legal_keeps()
    default = default_rule()
    linked = _linked_fields(data_map.specs)
    actions: dict[CollectionAddress, list[PlannedErasure]] = {}
    kept: list[KeptItem] = []
    categories: set[str] = set()

    for address in plan.order():
        rows = result.data.get(address.dataset, {}).get(address.collection, [])
        if not rows:
            continue
        collection = plan.nodes[address].collection
        personal = [f for f in collection.all_fields() if policy_for_field(f, policies, default)]
        if not personal:
            continue
        legal = _legal_keep_for(address, keeps)
        if legal is not None:
            kept.append(
                KeptItem(
                    address.dataset,
                    address.collection,
                    "legal_keep",
                    len(rows),
                    tuple(f.dotted for f in personal),
                    legal.reason_fr,
                    legal.reason_en,
                    legal.legal_basis,
                )
            )
            continue
        planned = _collection_plan(
            address,
            collection,
            rows,
            system=data_map.system_name(address.dataset),
            policies=policies,
            default=default,
            linked=linked,
            key=key,
            kept=kept,
        )
        if planned:
            actions[address] = planned
            for item in planned:
                categories.update(item.categories)

    ordered = [
        item
        for address in _deletion_order(plan, data_map.specs, actions)
        for item in actions[address]
    ]
    return ErasurePlanResult(actions=ordered, kept=kept, categories=categories)


def _collection_plan(
    address: CollectionAddress,
    collection: CollectionSpec,
    rows: list[Row],
    *,
    system: str,
    policies: Mapping[str, PolicyRule],
    default: PolicyRule,
    linked: set[tuple[str, str, str]],
    key: bytes | None,
    kept: list[KeptItem],
) -> list[PlannedErasure]:
    rules = {
        f.dotted: (f, rule)
        for f in collection.all_fields()
        if (rule := policy_for_field(f, policies, default)) is not None
    }
    deleting = [name for name, (_f, r) in rules.items() if r.strategy == ErasureStrategy.DELETE]
    nested = [name for name, (f, r) in rules.items() if len(f.path) > 1 and not deleting]
    if nested:
        kept.append(
            KeptItem(
                address.dataset,
                address.collection,
                "nested",
                len(rows),
                tuple(nested),
                NESTED_FR,
                NESTED_EN,
            )
        )
    keep_rules = [
        (name, r)
        for name, (f, r) in rules.items()
        if r.strategy == ErasureStrategy.KEEP and len(f.path) == 1 and not deleting
    ]
    if keep_rules:
        kept.append(
            KeptItem(
                address.dataset,
                address.collection,
                "policy_keep",
                len(rows),
                tuple(name for name, _r in keep_rules),
                "\n".join(dict.fromkeys(r.reason_fr for _n, r in keep_rules if r.reason_fr)),
                "\n".join(dict.fromkeys(r.reason_en for _n, r in keep_rules if r.reason_en)),
            )
        )
    keys = primary_key_fields(collection)
    maskable = {
        name: (f, r)
        for name, (f, r) in rules.items()
        if len(f.path) == 1
        and not f.primary_key
        and (address.dataset, address.collection, f.name) not in linked
        and r.strategy not in (ErasureStrategy.KEEP, ErasureStrategy.DELETE)
    }
    if not deleting and not maskable:
        return []
    if not keys:
        kept.append(
            KeptItem(
                address.dataset,
                address.collection,
                "no_primary_key",
                len(rows),
                tuple(deleting or maskable),
                NO_KEY_FR,
                NO_KEY_EN,
            )
        )
        return []
    if deleting:
        return [
            PlannedErasure(
                system=system,
                action=ErasureAction(
                    address.dataset, collection, tuple({k: row[k] for k in keys} for row in rows)
                ),
                strategies=dict.fromkeys(deleting, ErasureStrategy.DELETE.value),
                categories=tuple(
                    sorted(
                        {c for f, _r in rules.values() for c in f.data_categories if is_personal(c)}
                    )
                ),
            )
        ]
    strategies = {name: effective_strategy(r.strategy, f) for name, (f, r) in maskable.items()}
    field_categories = tuple(
        sorted({c for f, _r in maskable.values() for c in f.data_categories if is_personal(c)})
    )
    groups: dict[str, tuple[dict[str, object], list[PrimaryKey]]] = {}
    for row in rows:
        updates = {
            name: mask_value(
                strategy=r.strategy,
                spec_field=f,
                old=row.get(name),
                fixed_value=r.fixed_value,
                key=key,
            )
            for name, (f, r) in maskable.items()
        }
        signature = json.dumps(jsonable(updates), sort_keys=True)
        groups.setdefault(signature, (updates, []))[1].append({k: row[k] for k in keys})
    return [
        PlannedErasure(
            system=system,
            action=ErasureAction(address.dataset, collection, tuple(pks), updates),
            strategies=strategies,
            categories=field_categories,
        )
        for updates, pks in groups.values()
    ]


# --- runs ----------------------------------------------------------------------------------


def _identities_clean(identities: Mapping[str, object]) -> dict[str, object]:
    cleaned: dict[str, object] = {}
    for kind, value in identities.items():
        values = value if isinstance(value, list | tuple) else [value]
        kept = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if not kind or not kept:
            continue
        cleaned[str(kind)] = kept[0] if len(kept) == 1 else kept
    if not cleaned:
        raise ErasureError(
            "at least one identity (type=value) is required",
            field="identities",
            code="dsr_identity_required",
        )
    return cleaned


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk is not None else None


@transaction.atomic
def erasure_run_create(
    *,
    identities: Mapping[str, object],
    actor: User | None,
    request: Request | None = None,
    dry_run: bool = True,
    language: str = "fr",
) -> FulfilmentRun:
    """A queued erasure run for the person with ``identities`` (type -> value or values).
    Records ``dsr.erasure_run_created`` with the identity types, never their values."""
    cleaned = _identities_clean(identities)
    run = FulfilmentRun.objects.create(
        kind=RunKind.ERASURE,
        status=RunStatus.QUEUED,
        request=request,
        identities=cleaned,
        dry_run=dry_run,
        language=language if language in ("fr", "en") else "fr",
        created_by=_actor(actor),
    )
    audit_record(
        action="dsr.erasure_run_created",
        actor=actor,
        obj=run,
        details={
            "dry_run": dry_run,
            "identity_types": sorted(cleaned),
            "request": request.reference if request is not None else None,
        },
    )
    return run


def _progress_set(
    run: FulfilmentRun, done: int, total: int, message: str, progress: Progress | None
) -> None:
    run.progress_done, run.progress_total, run.progress_message = done, total, message[:300]
    run.save(update_fields=["progress_done", "progress_total", "progress_message"])
    if progress is not None:
        progress(done, total, message)


def _entry_for(item: PlannedErasure) -> dict[str, Any]:
    return {
        "system": item.system,
        "dataset": item.action.dataset,
        "collection": item.action.collection.name,
        "action": "delete" if item.action.is_delete else "mask",
        "fields": sorted(item.strategies),
        "strategies": dict(sorted(item.strategies.items())),
        "primary_keys": [],
        "rows": 0,
        "rows_changed": 0,
        "preview": [],
    }


def _journal_append(
    *, run: FulfilmentRun | None, system: str, action: ErasureAction
) -> ErasureJournalEntry:
    """Append an entry with the next sequence number; two writers racing for one number retry."""
    for attempt in range(10):
        try:
            with transaction.atomic():
                last = ErasureJournalEntry.objects.aggregate(last=Max("sequence"))["last"] or 0
                return ErasureJournalEntry.objects.create(
                    run=run,
                    sequence=last + 1,
                    system=system,
                    dataset=action.dataset,
                    collection=action.collection.name,
                    deleted=action.is_delete,
                    primary_keys=jsonable(list(action.primary_keys)),
                    updates=jsonable(dict(action.updates)) if action.updates is not None else None,
                )
        except IntegrityError:
            if attempt == 9:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def erasure_run_execute(*, run: FulfilmentRun, progress: Progress | None = None) -> FulfilmentRun:
    """Run an erasure: collect the person's rows, plan, then either read what would change
    (dry run: ``run.result`` lists it, status ``review``, nothing written) or apply it (journal,
    audit, status ``applied``, signed receipt, art. 19 tasks).

    Safe to call again: a finished run is returned unchanged. A failing system does not stop the
    others: ``result["failures"]`` says what failed and ``result["complete"]`` is false."""
    if run.kind != RunKind.ERASURE:
        raise ErasureError(f"run #{run.pk} is not an erasure run", code="dsr_run_kind")
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    run.status, run.started_at, run.error = RunStatus.RUNNING, timezone.now(), ""
    run.save(update_fields=["status", "started_at", "error"])
    try:
        _erasure_execute(run, progress)
    except Exception as exc:
        logger.exception("erasure run #%s failed", run.pk)
        with transaction.atomic():
            run.status, run.finished_at = RunStatus.FAILED, timezone.now()
            run.error = str(exc) or type(exc).__name__
            run.save(update_fields=["status", "finished_at", "error"])
            audit_record(
                action="dsr.erasure_run_failed", actor=None, obj=run, details={"error": run.error}
            )
    return run


def _erasure_execute(run: FulfilmentRun, progress: Progress | None) -> None:
    data_map = data_map_load()
    _progress_set(run, 0, 3, "collecting the person's data", progress)
    plan, found = access_collect(run.identities, data_map=data_map)
    failures: list[dict[str, Any]] = [
        {"dataset": f.dataset, "collection": f.collection, "kind": f.kind, "reason": f.reason}
        for f in found.failures
    ]
    erasure = erasure_plan(plan=plan, result=found, data_map=data_map)
    total = len(erasure.actions) + 2
    _progress_set(run, 1, total, "planned", progress)
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    done_categories: set[str] = set()
    down: set[str] = set()
    with connectors_open(data_map) as connectors:
        for index, item in enumerate(erasure.actions):
            action = item.action
            entry = entries.setdefault((action.dataset, action.collection.name), _entry_for(item))
            entry["primary_keys"].extend(jsonable(list(action.primary_keys)))
            entry["rows"] += len(action.primary_keys)
            where = {"dataset": action.dataset, "collection": action.collection.name}
            if item.system in down:
                failures.append({**where, "kind": "unavailable", "reason": "system unavailable"})
                continue
            try:
                if run.dry_run:
                    for change in erasure_dry_run([action], connectors=connectors):
                        entry["preview"].append(_preview(change.primary_key, change.fields, item))
                else:
                    entry["rows_changed"] += _apply_one(run, item, connectors)
                    done_categories.update(item.categories)
            except ConnectorError as exc:
                if isinstance(exc, ConnectorUnavailableError):
                    down.add(item.system)
                kind = "unavailable" if isinstance(exc, ConnectorUnavailableError) else "error"
                failures.append({**where, "kind": kind, "reason": str(exc)})
            _progress_set(
                run, index + 2, total, f"{action.dataset}:{action.collection.name}", progress
            )

    run.result = {
        "dry_run": run.dry_run,
        "collections": list(entries.values()),
        "kept": [k.as_dict() for k in erasure.kept],
        "failures": failures,
        "complete": not failures,
        "categories": sorted(erasure.categories if run.dry_run else done_categories),
        "counts": {
            "rows_masked": sum(
                e["rows" if run.dry_run else "rows_changed"]
                for e in entries.values()
                if e["action"] == "mask"
            ),
            "rows_deleted": sum(
                e["rows" if run.dry_run else "rows_changed"]
                for e in entries.values()
                if e["action"] == "delete"
            ),
        },
    }
    with transaction.atomic():
        run.status = RunStatus.REVIEW if run.dry_run else RunStatus.APPLIED
        run.finished_at = timezone.now()
        run.progress_done, run.progress_message = total, "done"
        if not run.dry_run:
            receipt = receipt_create(run=run)
            run.result["receipt"] = receipt.pk
            notifications_open(run=run, categories=done_categories)
        run.save(
            update_fields=["status", "finished_at", "result", "progress_done", "progress_message"]
        )
        audit_record(
            action="dsr.erasure_dry_run_done" if run.dry_run else "dsr.erasure_applied",
            actor=None,
            obj=run,
            details={
                "counts": run.result["counts"],
                "kept": len(erasure.kept),
                "failures": len(failures),
            },
        )


def _preview(
    primary_key: Mapping[str, object],
    fields: Mapping[str, tuple[object, object]],
    item: PlannedErasure,
) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, (old, new) in fields.items():
        strategy = item.strategies.get(name)
        shown_new: object = jsonable(new)
        if strategy == ErasureStrategy.RANDOM and new is not None:
            shown_new = "(random)"  # drawn again when applied
        shown[name] = {"old": preview_old(old), "new": shown_new}
    return {"primary_key": jsonable(dict(primary_key)), "fields": shown}


def _apply_one(
    run: FulfilmentRun | None, item: PlannedErasure, connectors: Mapping[str, Connector]
) -> int:
    entry = _journal_append(run=run, system=item.system, action=item.action)
    try:
        ((_action, count),) = erasure_apply([item.action], connectors=connectors)
    except Exception:
        # Nothing was written (one transaction per action): withdraw the intent.
        entry.delete()
        raise
    with transaction.atomic():
        entry.rows_changed = count
        entry.save(update_fields=["rows_changed"])
        audit_record(
            action="dsr.erasure_journal_entry",
            actor=None,
            obj=entry,
            details={
                "run": run.pk if run is not None else None,
                "sequence": entry.sequence,
                "dataset": entry.dataset,
                "collection": entry.collection,
                "deleted": entry.deleted,
                "fields": sorted(item.strategies),
                "rows_changed": count,
            },
        )
    return count


# --- replay --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayOutcome:
    sequence: int
    system: str
    dataset: str
    collection: str
    deleted: bool
    rows_changed: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class ReplayReport:
    outcomes: list[ReplayOutcome]

    @property
    def failures(self) -> list[ReplayOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def rows_changed(self) -> int:
        return sum(o.rows_changed for o in self.outcomes)


def erasure_replay(*, since: datetime | None = None, actor: User | None = None) -> ReplayReport:
    """Apply the erasure journal again, in sequence order, after a backup was restored: masks
    with the same replacement values, deletes of the same keys, through each entry's system.
    Idempotent (an entry already in effect changes nothing that matters). ``since``: only the
    entries applied from then on (the backup's time). Each replayed entry gets
    ``last_replayed_at``; a system that cannot be reached fails its remaining entries and the
    others go on. Records ``dsr.erasures_replayed``."""
    entries = ErasureJournalEntry.objects.order_by("sequence")
    if since is not None:
        entries = entries.filter(applied_at__gte=since)
    specs = {d.fides_key: d for d in Dataset.objects.select_related("system")}
    systems = {s.name: s for s in DataSystem.objects.all()}
    connectors: dict[str, Connector] = {}
    down: dict[str, str] = {}
    outcomes: list[ReplayOutcome] = []
    try:
        for entry in entries.iterator():
            outcome = _replay_one(entry, specs, systems, connectors, down)
            outcomes.append(outcome)
            if outcome.ok:
                entry.last_replayed_at = timezone.now()
                entry.save(update_fields=["last_replayed_at"])
    finally:
        for connector in connectors.values():
            connector.close()
    report = ReplayReport(outcomes)
    with transaction.atomic():
        audit_record(
            action="dsr.erasures_replayed",
            actor=actor,
            details={
                "since": since.isoformat() if since is not None else None,
                "entries": len(outcomes),
                "failures": len(report.failures),
                "rows_changed": report.rows_changed,
            },
        )
    return report


def _replay_one(
    entry: ErasureJournalEntry,
    datasets: Mapping[str, Dataset],
    systems: Mapping[str, DataSystem],
    connectors: dict[str, Connector],
    down: dict[str, str],
) -> ReplayOutcome:
    def outcome(rows: int = 0, error: str = "") -> ReplayOutcome:
        return ReplayOutcome(
            entry.sequence,
            entry.system,
            entry.dataset,
            entry.collection,
            entry.deleted,
            rows,
            error,
        )

    dataset = datasets.get(entry.dataset)
    collection = dataset.spec_object().collection(entry.collection) if dataset else None
    if dataset is None or collection is None:
        return outcome(error=f"dataset {entry.dataset}:{entry.collection} is no longer imported")
    system = systems.get(entry.system) or dataset.system
    if system is None:
        return outcome(error=f"no system '{entry.system}'")
    if system.name in down:
        return outcome(error=down[system.name])
    try:
        connector = connectors.get(system.name)
        if connector is None:
            connector = connectors[system.name] = connector_create(system.type, system.url)
        keys: list[PrimaryKey] = list(entry.primary_keys)
        if entry.deleted:
            rows = connector.delete(collection, primary_keys=keys)
        else:
            rows = connector.mask(collection, primary_keys=keys, updates=dict(entry.updates or {}))
    except ConnectorUnavailableError as exc:
        down[system.name] = f"system unavailable: {exc}"
        return outcome(error=down[system.name])
    except ConnectorError as exc:
        return outcome(error=str(exc))
    return outcome(rows)


# --- art. 19: recipients -------------------------------------------------------------------


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _register_activities() -> list[dict[str, Any]]:
    """The activities of the latest published register; the working register if none was ever
    published (a fresh installation still notifies)."""
    from garde.register.selectors import register_version_latest
    from garde.register.snapshot import working_register_snapshot

    version = register_version_latest()
    snapshot: dict[str, Any] = version.snapshot if version else working_register_snapshot()
    activities: list[dict[str, Any]] = snapshot.get("activities", [])
    return activities


@transaction.atomic
def notifications_open(
    *, run: FulfilmentRun, categories: Iterable[str] | None = None
) -> list[RecipientNotification]:
    """One open task per (activity, recipient) of the register's activities whose data
    categories meet ``categories`` (default: ``run.result["categories"]``), a category meeting
    another when one is the other or an ancestor of it. Existing tasks of the run are kept
    (calling again opens nothing twice). Records ``dsr.notifications_opened``."""
    from garde.register.models import ProcessingActivity, Recipient

    wanted = sorted(set(categories if categories is not None else run.result.get("categories", [])))
    opened: list[RecipientNotification] = []
    if not wanted:
        return opened
    for activity in _register_activities():
        keys = [c["key"] for c in activity.get("data_categories", [])]
        if not any(_overlaps(k, c) for k in keys for c in wanted):
            continue
        activity_row = ProcessingActivity.objects.filter(slug=activity["slug"]).first()
        for recipient in activity.get("recipients", []):
            recipient_row = Recipient.objects.filter(
                name_fr=recipient["name_fr"], kind=recipient.get("kind", "")
            ).first()
            name = recipient["name_fr"] or recipient.get("name_en", "")
            exists = RecipientNotification.objects.filter(
                run=run, activity=activity_row, recipient=recipient_row, recipient_name=name
            ).exists()
            if exists:
                continue
            opened.append(
                RecipientNotification.objects.create(
                    run=run, activity=activity_row, recipient=recipient_row, recipient_name=name
                )
            )
    if opened:
        audit_record(
            action="dsr.notifications_opened",
            actor=None,
            obj=run,
            details={
                "categories": wanted,
                "tasks": [
                    {
                        "activity": n.activity.slug if n.activity else None,
                        "recipient": n.recipient_name,
                    }
                    for n in opened
                ],
            },
        )
    return opened


@transaction.atomic
def notification_close(
    *, notification: RecipientNotification, actor: User | None, done: bool, reason: str = ""
) -> RecipientNotification:
    """Close an art. 19 task as done, or as not done with a reason (impossible, disproportionate
    effort: required). Records ``dsr.notification_closed``. The caller checks permissions."""
    if notification.status != NotificationStatus.OPEN:
        raise ErasureError(
            "this notification task is already closed", code="dsr_notification_closed"
        )
    reason = reason.strip()
    if not done and not reason:
        raise ErasureError(
            "a reason is required when the recipient is not notified",
            field="reason",
            code="dsr_notification_reason_required",
        )
    notification.status = NotificationStatus.DONE if done else NotificationStatus.NOT_DONE
    notification.reason = reason
    notification.closed_at = timezone.now()
    notification.closed_by = _actor(actor)
    notification.save(update_fields=["status", "reason", "closed_at", "closed_by"])
    audit_record(
        action="dsr.notification_closed",
        actor=actor,
        obj=notification,
        details={"run": notification.run_id, "status": notification.status, "reason": reason},
    )
    return notification


# --- art. 16: rectification ----------------------------------------------------------------


def rectification_apply(
    *,
    actor: User | None,
    dataset: str,
    collection: str,
    primary_key: Mapping[str, object],
    field: str,
    value: object,
    run: FulfilmentRun | None = None,
    request: Request | None = None,
) -> FulfilmentRun:
    """Set ``field`` to ``value`` on the row named by ``primary_key`` in a system, journalled as
    a mask entry (so replay re-applies the correction after a restore), and open the art. 19
    tasks for the field's categories. Without ``run``, a rectification run is created (tied to
    ``request``). Records ``dsr.rectification_applied`` with the field, never the value.
    The journal keeps ``value``: replay needs it."""
    stored = Dataset.objects.select_related("system").filter(fides_key=dataset).first()
    if stored is None or stored.system is None:
        raise NotFoundError(f"no dataset '{dataset}' tied to a system", field="dataset")
    spec = stored.spec_object().collection(collection)
    if spec is None:
        raise NotFoundError(f"no collection '{collection}' in {dataset}", field="collection")
    target = next((f for f in spec.fields if f.name == field), None)
    if target is None:
        raise NotFoundError(f"no field '{field}' in {dataset}:{collection}", field="field")
    if target.primary_key:
        raise ErasureError(
            "a primary key cannot be rectified: it names the row",
            field="field",
            code="dsr_rectification_key",
        )
    keys = primary_key_fields(spec)
    if not keys or sorted(primary_key) != sorted(keys):
        raise ErasureError(
            f"the primary key must name exactly: {', '.join(keys) or '(none declared)'}",
            field="primary_key",
            code="dsr_rectification_primary_key",
        )
    if isinstance(value, str) and target.length and len(value) > target.length:
        raise ErasureError(
            f"the value is longer than the field's {target.length} characters",
            field="value",
            code="dsr_rectification_length",
        )
    own_run = run is None
    if run is None:
        with transaction.atomic():
            run = FulfilmentRun.objects.create(
                kind=RunKind.RECTIFICATION,
                status=RunStatus.RUNNING,
                request=request,
                created_by=_actor(actor),
                started_at=timezone.now(),
            )
    item = PlannedErasure(
        system=stored.system.name,
        action=ErasureAction(dataset, spec, (dict(primary_key),), {field: value}),
        strategies={field: "rectify"},
        categories=tuple(sorted(target.data_categories)),
    )
    try:
        connector = connector_create(stored.system.type, stored.system.url)
    except ConnectorError as exc:
        if own_run:  # a refused rectification leaves no run behind, stuck in "running"
            run.delete()
        raise ErasureError(str(exc), code="dsr_rectification_failed") from exc
    entry = _journal_append(run=run, system=item.system, action=item.action)
    try:
        count = connector.mask(spec, primary_keys=[dict(primary_key)], updates={field: value})
    except ConnectorError as exc:
        entry.delete()
        if own_run:
            run.delete()
        raise ErasureError(str(exc), code="dsr_rectification_failed") from exc
    finally:
        connector.close()
    if count == 0:
        entry.delete()
        if own_run:
            run.delete()
        raise NotFoundError("no row with this primary key", field="primary_key")
    with transaction.atomic():
        entry.rows_changed = count
        entry.save(update_fields=["rows_changed"])
        rectified = run.result.get("rectified", []) if run.result else []
        rectified.append(
            {
                "system": item.system,
                "dataset": dataset,
                "collection": collection,
                "primary_key": jsonable(dict(primary_key)),
                "field": field,
                "sequence": entry.sequence,
            }
        )
        categories = sorted({*run.result.get("categories", []), *target.data_categories})
        run.result = {**(run.result or {}), "rectified": rectified, "categories": categories}
        run.status, run.finished_at = RunStatus.APPLIED, timezone.now()
        run.save(update_fields=["result", "status", "finished_at"])
        audit_record(
            action="dsr.rectification_applied",
            actor=actor,
            obj=run,
            details={
                "dataset": dataset,
                "collection": collection,
                "field": field,
                "primary_key": jsonable(dict(primary_key)),
                "sequence": entry.sequence,
            },
        )
        notifications_open(run=run, categories=target.data_categories)
    return run


# --- art. 18: restriction ------------------------------------------------------------------


def identity_normalise(identity_type: str, identity_value: str) -> tuple[str, str]:
    """How restrictions store and match identities: trimmed, e-mail addresses in lower case."""
    kind = identity_type.strip().lower()
    value = identity_value.strip()
    if kind == "email":
        value = value.lower()
    return kind, value


@transaction.atomic
def restriction_create(
    *,
    identity_type: str,
    identity_value: str,
    actor: User | None,
    reason: str = "",
    request: Request | None = None,
    categories: Iterable[str] | None = None,
) -> ProcessingRestriction:
    """Restrict processing of the person's data in Garde's own stores (they honour
    :func:`garde.dsr.selectors.restriction_active`). A restriction already in force for the
    identity is returned as is. Opens the art. 19 tasks for ``categories`` (default ``user``:
    every activity processing personal data, since the restriction covers all of it) on a
    restriction run. Records ``dsr.restriction_created`` without the identity value."""
    kind, value = identity_normalise(identity_type, identity_value)
    if not kind or not value:
        raise ErasureError(
            "an identity type and value are required",
            field="identity_value",
            code="dsr_identity_required",
        )
    existing = ProcessingRestriction.objects.filter(
        identity_type=kind, identity_value=value, lifted_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    restriction = ProcessingRestriction.objects.create(
        identity_type=kind,
        identity_value=value,
        request=request,
        reason=reason,
        created_by=_actor(actor),
    )
    wanted = sorted(set(categories)) if categories is not None else [PERSONAL_ROOT]
    now = timezone.now()
    run = FulfilmentRun.objects.create(
        kind=RunKind.RESTRICTION,
        status=RunStatus.APPLIED,
        request=request,
        identities={kind: value},
        created_by=_actor(actor),
        started_at=now,
        finished_at=now,
        result={"restriction": restriction.pk, "categories": wanted},
    )
    audit_record(
        action="dsr.restriction_created",
        actor=actor,
        obj=restriction,
        details={
            "identity_type": kind,
            "run": run.pk,
            "request": request.reference if request is not None else None,
        },
    )
    notifications_open(run=run, categories=wanted)
    return restriction


@transaction.atomic
def restriction_lift(
    *, restriction: ProcessingRestriction, actor: User | None, reason: str = ""
) -> ProcessingRestriction:
    """End a restriction (GDPR art. 18(3): the person is told before). Records
    ``dsr.restriction_lifted``."""
    if restriction.lifted_at is not None:
        raise ErasureError("this restriction is already lifted", code="dsr_restriction_lifted")
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = _actor(actor)
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(
        action="dsr.restriction_lifted",
        actor=actor,
        obj=restriction,
        details={"identity_type": restriction.identity_type, "reason": reason},
    )
    return restriction


__all__ = [
    "ErasureError",
    "ErasurePlanResult",
    "KeptItem",
    "PlannedErasure",
    "PolicyRule",
    "ReplayOutcome",
    "ReplayReport",
    "default_rule",
    "effective_strategy",
    "erasure_plan",
    "erasure_replay",
    "erasure_run_create",
    "erasure_run_execute",
    "hmac_key",
    "identity_normalise",
    "is_personal",
    "jsonable",
    "mask_value",
    "notification_close",
    "notifications_open",
    "policies_load",
    "policy_for_category",
    "policy_for_field",
    "preview_old",
    "rectification_apply",
    "restriction_create",
    "restriction_lift",
]
