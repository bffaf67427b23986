"""Start-up checks of Garde's configuration (``garde check`` runs them too)."""

from __future__ import annotations

from typing import Any

import holidays
from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def holiday_subdivision_check(**kwargs: Any) -> list[CheckMessage]:
    """An unknown GARDE_HOLIDAY_SUBDIVISION would make every deadline computation fail."""
    value = settings.GARDE_HOLIDAY_SUBDIVISION
    known = holidays.country_holidays("FR").subdivisions
    if value and value not in known:
        return [
            Error(
                f"GARDE_HOLIDAY_SUBDIVISION={value!r} is not a French subdivision known "
                f"to the holidays library; use one of {', '.join(known)}",
                id="garde.E001",
            )
        ]
    return []
