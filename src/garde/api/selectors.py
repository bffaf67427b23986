from __future__ import annotations

from django.db.models import QuerySet

from garde.accounts.models import Organisation
from garde.api.models import ApiKey


def api_key_list_for_organisation(*, organisation: Organisation) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisation=organisation).select_related("created_by")
