"""Purge handlers: how the retention engine finds and erases the records of one store.

Each app registers a handler for every store it owns, in a module ``garde.<app>.retention``
that the retention app imports at start-up (``RetentionConfig.ready``)::

    from garde.retention.registry import ModelPurgeHandler, registry

    registry.register(ModelPurgeHandler(key="marketing.contact_requests", ...))

A published retention rule names its store by key; a rule whose store has no handler is
reported as not enforced.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise

from garde.register.selectors import PublishedRetentionRule
from garde.retention.choices import PurgeMode

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class HoldRef:
    """An active legal hold as handlers see it."""

    id: int
    reason: str
    legal_basis: str


@dataclass
class ActiveHolds:
    """The legal holds in force at the start of a sweep, indexed by what they hold. When several
    holds cover a record, the oldest (lowest id) is the one reported."""

    by_user: dict[int, HoldRef] = field(default_factory=dict)
    by_email: dict[str, HoldRef] = field(default_factory=dict)
    by_organisation: dict[int, HoldRef] = field(default_factory=dict)
    by_request: dict[str, HoldRef] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_user or self.by_email or self.by_organisation or self.by_request)

    def by_id(self) -> dict[int, HoldRef]:
        every = (self.by_user, self.by_email, self.by_organisation, self.by_request)
        return {hold.id: hold for index in every for hold in index.values()}

    def match(
        self,
        *,
        user_id: Any = None,
        email: str | None = None,
        organisation_id: Any = None,
        request_reference: str | None = None,
    ) -> HoldRef | None:
        found = [
            self.by_user.get(user_id) if user_id is not None else None,
            self.by_email.get(email.strip().lower()) if email else None,
            self.by_organisation.get(organisation_id) if organisation_id is not None else None,
            self.by_request.get(request_reference.strip()) if request_reference else None,
        ]
        holds = [hold for hold in found if hold is not None]
        return min(holds, key=lambda hold: hold.id) if holds else None


@dataclass
class DueBatch:
    """Records a rule has made due: ``pks`` (at most the batch size) to erase, the range of
    their anchors, and the records skipped because of a hold, counted by hold id."""

    pks: list[Any] = field(default_factory=list)
    anchor_min: datetime | None = None
    anchor_max: datetime | None = None
    held: dict[int, int] = field(default_factory=dict)

    def add(self, pk: Any, anchor: datetime) -> None:
        self.pks.append(pk)
        if self.anchor_min is None or anchor < self.anchor_min:
            self.anchor_min = anchor
        if self.anchor_max is None or anchor > self.anchor_max:
            self.anchor_max = anchor

    def hold(self, hold: HoldRef) -> None:
        self.held[hold.id] = self.held.get(hold.id, 0) + 1


def identifiers_chain(previous: str, identifiers: Iterable[str]) -> str:
    """One link of the erased-identifiers hash (see ``DeletionLog``): ``previous`` is the chain
    so far ("" at the start), ``identifiers`` one chunk."""
    chunk = hashlib.sha256()
    for identifier in sorted(identifiers):
        chunk.update(identifier.encode() + b"\n")
    return hashlib.sha256((previous + chunk.hexdigest()).encode("ascii")).hexdigest()


class PurgeHandler(ABC):
    """Finds and erases the records of one store.

    ``due`` walks the records older than a cut-off in batches with keyset pagination (never all
    ids at once); the sweep erases each batch before asking for the next one. ``erase`` must be
    safe to call again with the same ids (a retried batch erases nothing twice).
    ``minimum_age``, when set, is a floor the store's own rules impose: a cut-off later than
    ``now - minimum_age`` is moved back to it.
    """

    key: str
    description: str | Promise
    mode: str = PurgeMode.DELETE
    batch_size: int = DEFAULT_BATCH_SIZE
    minimum_age: timedelta | None = None

    @abstractmethod
    def supports_anchor(self, anchor: str) -> bool:
        """Whether this store can date its records from the rule anchor ``anchor``."""

    @abstractmethod
    def due(
        self,
        *,
        rule: PublishedRetentionRule,
        cutoff: datetime,
        holds: ActiveHolds,
        batch_size: int | None = None,
    ) -> Iterator[DueBatch]:
        """Batches of the records whose anchor is before ``cutoff``, in ascending primary-key
        order, each with at most ``batch_size`` ids; held records are counted, not yielded."""

    @abstractmethod
    def erase(self, pks: Sequence[Any]) -> int:
        """Delete or anonymise the records ``pks``; returns how many were erased."""

    def identifiers(self, pks: Sequence[Any]) -> list[str]:
        """What the deletion log hashes for ``pks`` (called before ``erase``)."""
        return [str(pk) for pk in pks]

    def held_reason(self, row: Mapping[str, Any], holds: ActiveHolds) -> HoldRef | None:
        """The hold that keeps the record ``row`` (its person, organisation and request
        values), or None."""
        return holds.match(
            user_id=row.get("user"),
            email=row.get("email"),
            organisation_id=row.get("organisation"),
            request_reference=row.get("request"),
        )


class ModelPurgeHandler(PurgeHandler):
    """A handler for one Django model.

    ``anchor_fields`` maps each rule anchor the store supports (``RetentionAnchor`` values) to
    the datetime field the period runs from. The hold lookups are field paths
    (``"actor"``, ``"actor__email"``): ``user_field`` a user foreign key, ``email_field`` an
    e-mail, ``organisation_field`` an organisation foreign key, ``request_field`` a request
    reference. ``mode`` "delete" deletes the rows through the model's base manager;
    "anonymise" sets ``blank_fields`` and needs ``anonymised``, a filter matching the rows
    already anonymised, so later sweeps skip them.
    """

    def __init__(
        self,
        *,
        key: str,
        description: str | Promise,
        model: type[models.Model],
        anchor_fields: Mapping[str, str],
        user_field: str | None = None,
        email_field: str | None = None,
        organisation_field: str | None = None,
        request_field: str | None = None,
        mode: str = PurgeMode.DELETE,
        blank_fields: Mapping[str, Any] | None = None,
        anonymised: models.Q | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        minimum_age: timedelta | None = None,
    ) -> None:
        if mode not in PurgeMode.values:
            raise ImproperlyConfigured(f"{key}: unknown purge mode {mode!r}")
        if mode == PurgeMode.ANONYMISE and not (blank_fields and anonymised is not None):
            raise ImproperlyConfigured(f"{key}: anonymise needs blank_fields and anonymised")
        if not anchor_fields:
            raise ImproperlyConfigured(f"{key}: anchor_fields is empty")
        self.key = key
        self.description = description
        self.model = model
        self.anchor_fields = dict(anchor_fields)
        self.hold_fields = {
            name: path
            for name, path in (
                ("user", user_field),
                ("email", email_field),
                ("organisation", organisation_field),
                ("request", request_field),
            )
            if path
        }
        self.mode = mode
        self.blank_fields = dict(blank_fields or {})
        self.anonymised = anonymised
        self.batch_size = batch_size
        self.minimum_age = minimum_age

    def queryset(self) -> models.QuerySet[Any]:
        return self.model._base_manager.all()

    def supports_anchor(self, anchor: str) -> bool:
        return anchor in self.anchor_fields

    def _looked_up(self, holds: ActiveHolds) -> dict[str, str]:
        # Join and fetch only what an active hold could match.
        wanted = {
            "user": bool(holds.by_user),
            "email": bool(holds.by_email),
            "organisation": bool(holds.by_organisation),
            "request": bool(holds.by_request),
        }
        return {name: path for name, path in self.hold_fields.items() if wanted[name]}

    def due(
        self,
        *,
        rule: PublishedRetentionRule,
        cutoff: datetime,
        holds: ActiveHolds,
        batch_size: int | None = None,
    ) -> Iterator[DueBatch]:
        size = batch_size or self.batch_size
        anchor = self.anchor_fields[rule.anchor]
        rows = self.queryset().filter(**{f"{anchor}__lt": cutoff})
        if self.anonymised is not None:
            rows = rows.exclude(self.anonymised)
        looked_up = self._looked_up(holds)
        names = list(looked_up)
        columns = ["pk", anchor, *looked_up.values()]
        batch = DueBatch()
        last_pk: Any = None
        while True:
            page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            values = list(page.order_by("pk").values_list(*columns)[:size])
            for pk, anchored, *lookups in values:
                hold = self.held_reason(dict(zip(names, lookups, strict=True)), holds)
                if hold is not None:
                    batch.hold(hold)
                    continue
                batch.add(pk, anchored)
                if len(batch.pks) == size:
                    yield batch
                    batch = DueBatch()
            if len(values) < size:
                break
            last_pk = values[-1][0]
        if batch.pks or batch.held:
            yield batch

    def erase(self, pks: Sequence[Any]) -> int:
        rows = self.queryset().filter(pk__in=list(pks))
        if self.mode == PurgeMode.ANONYMISE:
            if self.anonymised is not None:
                rows = rows.exclude(self.anonymised)
            return rows.update(**self.blank_fields)
        _total, by_model = rows.delete()
        return by_model.get(self.model._meta.label, 0)


class PurgeRegistry:
    """Handlers by store key."""

    def __init__(self) -> None:
        self._handlers: dict[str, PurgeHandler] = {}

    def register(self, handler: PurgeHandler) -> PurgeHandler:
        if handler.key in self._handlers:
            raise ImproperlyConfigured(f"a purge handler for {handler.key} is already registered")
        self._handlers[handler.key] = handler
        return handler

    def unregister(self, key: str) -> None:
        self._handlers.pop(key, None)

    def get(self, key: str) -> PurgeHandler | None:
        return self._handlers.get(key)

    def keys(self) -> list[str]:
        return sorted(self._handlers)


registry = PurgeRegistry()
