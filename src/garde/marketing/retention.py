"""The stores marketing's contact and callback forms own, for the retention engine: the
submissions (with their notes, deleted with them), purged one year after submission (register
activity ``contact-forms``, rule ``contact-requests``; policy: "conservées un an")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garde.marketing.models import ContactRequest
from garde.register.choices import RetentionAnchor
from garde.retention.registry import ModelPurgeHandler, registry

registry.register(
    ModelPurgeHandler(
        key="marketing.contact_requests",
        description=_("Demandes de contact et de rappel (marketing.ContactRequest)"),
        model=ContactRequest,
        anchor_fields={RetentionAnchor.COLLECTION: "submitted_at"},
        email_field="email",
    )
)

import garde.marketing.newsletter_retention  # noqa: E402, F401 - registers marketing.commercial_contacts
