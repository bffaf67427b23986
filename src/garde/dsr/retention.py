"""The stores dsr owns, for the retention engine: access packages.

A published rule on store ``dsr.access_packages`` purges packages by their creation date
(anchor "collection") or by the expiry of their link (anchor "event"): the encrypted file is
deleted, the link disabled, and the run's identities cleared. The row stays, as the record that
a copy was given. ``garde.dsr.access.access_packages_purge`` does the same for every expired
package without a rule, for a scheduled task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from garde.dsr.access import access_packages_purge_pks
from garde.dsr.models import AccessPackage
from garde.register.choices import RetentionAnchor
from garde.retention.choices import PurgeMode
from garde.retention.registry import ModelPurgeHandler, registry


class AccessPackagePurgeHandler(ModelPurgeHandler):
    """Packages are not deleted but purged: their file goes, the row is kept."""

    def erase(self, pks: Sequence[Any]) -> int:
        return access_packages_purge_pks(pks)


registry.register(
    AccessPackagePurgeHandler(
        key="dsr.access_packages",
        description=_("Access packages (dsr.AccessPackage)"),
        model=AccessPackage,
        anchor_fields={
            RetentionAnchor.COLLECTION: "created_at",
            RetentionAnchor.EVENT: "expires_at",
        },
        email_field="run__request__requester_email",
        request_field="run__request__reference",
        mode=PurgeMode.ANONYMISE,
        # What ``access_packages_purge_pks`` blanks; it also deletes the file and clears the
        # run's identities, which a field update cannot express.
        blank_fields={"token_hash": ""},
        anonymised=models.Q(purged_at__isnull=False),
    )
)
