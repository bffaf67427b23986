"""Reads of the careers app. Applications are HR's alone: the views that call these are
restricted to the hr role."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from garde.careers.models import Application, JobOffer


def offer_list_open() -> QuerySet[JobOffer]:
    """The offers shown on the public careers page."""
    return JobOffer.objects.filter(is_open=True).order_by("-created_at", "-pk")


def offer_get_open(*, pk: int) -> JobOffer | None:
    return offer_list_open().filter(pk=pk).first()


def offer_list_for_hr() -> QuerySet[JobOffer]:
    """Every offer, open first, with its number of applications."""
    return JobOffer.objects.annotate(application_count=Count("applications")).order_by(
        "-is_open", "-created_at", "-pk"
    )


def application_list_for_hr(
    *, offer: str = "", status: str = "", q: str = ""
) -> QuerySet[Application]:
    """Applications, newest first. ``offer`` is an offer id or "spontaneous"; ``q`` searches
    the name, the address and the position sought."""
    rows = Application.objects.select_related("offer").order_by("-submitted_at", "-pk")
    if offer == "spontaneous":
        rows = rows.filter(offer__isnull=True)
    elif offer.isdigit():
        rows = rows.filter(offer_id=int(offer))
    if status:
        rows = rows.filter(status=status)
    if q.strip():
        term = q.strip()
        rows = rows.filter(
            Q(full_name__icontains=term) | Q(email__icontains=term) | Q(position__icontains=term)
        )
    return rows


def application_get_for_hr(*, pk: int) -> Application | None:
    return Application.objects.select_related("offer").filter(pk=pk).first()
