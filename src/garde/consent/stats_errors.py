"""Errors of the audience statistics, with stable codes (the others are consent's own)."""

from __future__ import annotations

from garde.core.errors import PermissionDeniedError


class StatsOriginForbiddenError(PermissionDeniedError):
    """The page that sent a hit is not on one of the site's origins (first party only)."""

    code = "stats_origin_forbidden"
