"""careers API routes, mounted on /api/v1/ by garde.api.assembly."""

from ninja import Router

router = Router(tags=["careers"])
