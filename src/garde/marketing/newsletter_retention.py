"""The stores of the newsletter and commercial contacts, for the retention engine.

Newsletter subscribers need no handler: their rule is event-driven (kept until
unsubscription, and unsubscribing deletes them at once; sign-ups never confirmed are deleted
after 7 days by ``newsletter_housekeeping_task``). Commercial contacts follow the register's
prospect rule: three years from the last contact (``client-prospect-relations``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garde.marketing.models_newsletter import CommercialContact
from garde.register.choices import RetentionAnchor
from garde.retention.registry import ModelPurgeHandler, registry

registry.register(
    ModelPurgeHandler(
        key="marketing.commercial_contacts",
        description=_(
            "Contacts professionnels inscrits par les clients (marketing.CommercialContact)"
        ),
        model=CommercialContact,
        anchor_fields={
            RetentionAnchor.LAST_CONTACT: "last_contact_at",
            RetentionAnchor.COLLECTION: "created_at",
        },
        email_field="email",
        organisation_field="organisation",
    )
)
