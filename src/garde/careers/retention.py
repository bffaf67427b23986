"""The applications store for the retention engine (R-70, R-82).

Two published rules name this store, each with its own anchor:

- ``collection`` (one year, the policy's maximum): every application, from ``submitted_at``;
- ``process_end`` (three months, CNIL recruitment guide 2023): only applications refused
  without the candidate's agreement to be kept for other offers, from ``process_ended_at``.

So an unsuccessful application without agreement goes three months after its process closes,
and any application (with agreement, hired, or never closed) one year after submission at the
latest. A withdrawn application is already gone (``application_withdraw``). Erasing deletes
the rows and their notes, and the CV files once the deletion commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from garde.careers.choices import ApplicationStatus
from garde.careers.models import Application
from garde.careers.services import applications_erase
from garde.register.choices import RetentionAnchor
from garde.register.selectors import PublishedRetentionRule
from garde.retention.registry import (
    ActiveHolds,
    DueBatch,
    ModelPurgeHandler,
    PurgeHandler,
    registry,
)

STORE = "careers.applications"
DESCRIPTION = _("Candidatures et CV (careers.Application)")


class _ApplicationRows(ModelPurgeHandler):
    """The rows one anchor applies to."""

    def __init__(self, *, only: Q, anchor: str, field: str) -> None:
        super().__init__(
            key=STORE,
            description=DESCRIPTION,
            model=Application,
            anchor_fields={anchor: field},
            email_field="email",
        )
        self.only = only

    def queryset(self) -> QuerySet[Any]:
        return super().queryset().filter(self.only)


class ApplicationPurgeHandler(PurgeHandler):
    """Applications and their CVs, dated from submission or from the end of an unsuccessful
    process (see the module docstring). Legal holds match the candidate's address."""

    key = STORE
    description = DESCRIPTION

    def __init__(self) -> None:
        self._by_anchor: Mapping[str, _ApplicationRows] = {
            RetentionAnchor.COLLECTION: _ApplicationRows(
                only=Q(), anchor=RetentionAnchor.COLLECTION, field="submitted_at"
            ),
            RetentionAnchor.PROCESS_END: _ApplicationRows(
                only=Q(status=ApplicationStatus.REFUSED, keep_for_other_offers=False),
                anchor=RetentionAnchor.PROCESS_END,
                field="process_ended_at",
            ),
        }

    def supports_anchor(self, anchor: str) -> bool:
        return anchor in self._by_anchor

    def due(
        self,
        *,
        rule: PublishedRetentionRule,
        cutoff: datetime,
        holds: ActiveHolds,
        batch_size: int | None = None,
    ) -> Iterator[DueBatch]:
        return self._by_anchor[rule.anchor].due(
            rule=rule, cutoff=cutoff, holds=holds, batch_size=batch_size
        )

    def erase(self, pks: Sequence[Any]) -> int:
        return applications_erase(pks=list(pks))


registry.register(ApplicationPurgeHandler())
