"""The stores consent owns, for the retention engine: consent records (the proof of each
visitor's choice), purged once the configured evidence period has run from ``recorded_at``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garde.consent.models import ConsentRecord
from garde.register.choices import RetentionAnchor
from garde.retention.registry import ModelPurgeHandler, registry

registry.register(
    ModelPurgeHandler(
        key="consent.records",
        description=_("Preuves de consentement aux cookies (consent.ConsentRecord)"),
        model=ConsentRecord,
        anchor_fields={
            RetentionAnchor.COLLECTION: "recorded_at",
            RetentionAnchor.EVENT: "recorded_at",
        },
    )
)

import garde.consent.stats_retention  # noqa: E402, F401 - registers the store consent.page_views
