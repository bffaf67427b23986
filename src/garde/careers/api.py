"""careers API routes, mounted on /api/v1/ by garde.api.assembly: the open job offers, public
like the careers page. Applications are never exposed through the API (HR-only, in the
console)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from garde.careers.selectors import offer_list_open

router = Router(tags=["careers"])


class JobOfferOut(Schema):
    id: int
    title: str
    location: str
    description: str
    created_at: datetime


@router.get("/careers/offers", response=list[JobOfferOut], auth=None)
def list_job_offers(request: HttpRequest) -> list[JobOfferOut]:
    """The open job offers, newest first."""
    return [JobOfferOut.model_validate(o, from_attributes=True) for o in offer_list_open()]
