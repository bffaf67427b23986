"""Audience statistics reads: the origins a site counts views from, and the aggregates the
marketing dashboard and its CSV export show. Nothing here can single out a visitor: the only
rows are per-page daily counters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from garde.consent.errors import ConsentSiteNotFoundError
from garde.consent.models import ConsentSite
from garde.consent.stats_models import PageViewDay

# The configuration key under which the console keeps a site's origins.
ALLOWED_ORIGINS = "allowed_origins"


def stats_origin_normalise(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case as browsers serialise an ``Origin``, or None for
    anything that is not an http(s) URL with a host."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{parts.hostname}{suffix}"


def _normalised(values: Iterable[object]) -> frozenset[str]:
    found = (stats_origin_normalise(v) for v in values if isinstance(v, str))
    return frozenset(origin for origin in found if origin)


def stats_site_origins(*, site: ConsentSite) -> frozenset[str]:
    """The origins whose pages may count views for ``site``: the consent site's
    ``allowed_origins`` (set in the DPO console; the published configuration's, or the draft's
    while the site was never published), else, when it declares none, Garde's own origin
    (``BASE_URL``), which serves the operator's demo and public pages. First party only: a page
    elsewhere cannot feed the site's figures."""
    declared = (site.published or site.draft).get(ALLOWED_ORIGINS)
    origins = _normalised(declared) if isinstance(declared, list | tuple) else frozenset()
    return origins or _normalised([settings.BASE_URL])


def stats_site_get(*, site_key: str) -> ConsentSite:
    site = ConsentSite.objects.filter(key=site_key).first()
    if site is None:
        raise ConsentSiteNotFoundError(_("Site inconnu."), field="site")
    return site


def stats_site_list() -> list[ConsentSite]:
    return list(ConsentSite.objects.order_by("key"))


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class PageCount:
    path: str
    count: int


def _in_range(site: ConsentSite, start: date, end: date) -> QuerySet[PageViewDay]:
    return PageViewDay.objects.filter(site=site, day__gte=start, day__lte=end)


def stats_daily_counts(*, site: ConsentSite, start: date, end: date) -> list[DayCount]:
    """Page views per day from ``start`` to ``end`` included, days without views as 0."""
    totals = dict(
        _in_range(site, start, end)
        .values_list("day")
        .annotate(total=Sum("count"))
        .values_list("day", "total")
    )
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [DayCount(day, int(totals.get(day) or 0)) for day in days]


def stats_top_pages(*, site: ConsentSite, start: date, end: date) -> QuerySet[Any, Any]:
    """Pages by views over the range, most viewed first (rows of ``path`` and ``total``), for
    pagination."""
    return (
        _in_range(site, start, end)
        .values("path")
        .annotate(total=Sum("count"))
        .order_by("-total", "path")
    )


def stats_export_rows(
    *, site: ConsentSite, start: date, end: date
) -> Iterator[tuple[date, str, int]]:
    """Every counter of the range as ``(day, path, views)``, by day then path: the aggregates,
    the only thing there is to export."""
    rows = _in_range(site, start, end).order_by("day", "path").values_list("day", "path", "count")
    yield from rows.iterator(chunk_size=2000)
