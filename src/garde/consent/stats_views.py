"""The audience statistics: the script any of the operator's sites embeds (outside the language
prefix), and the marketing dashboard with its CSV export (under it)."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from garde.consent.stats_forms import StatsFilterForm
from garde.consent.stats_selectors import (
    DayCount,
    stats_daily_counts,
    stats_export_rows,
    stats_site_list,
    stats_top_pages,
)
from garde.consent.views import embedded_script_response
from garde.core.permissions import public, roles_required
from garde.core.roles import Role

SCRIPT_PATH = "consent/garde-stats.js"
TOP_PAGE_SIZE = 20
CHART_HEIGHT = 120
BAR_WIDTH = 10
BAR_GAP = 2


@public
@require_GET
def stats_script_view(request: HttpRequest) -> HttpResponse:
    """``garde-stats.js``, for ``<script src=... data-site=KEY defer>`` on any of the operator's
    sites. Cached a day, revalidated by ETag; sets no cookie."""
    return embedded_script_response(request, SCRIPT_PATH)


@dataclass(frozen=True)
class Bar:
    day: DayCount
    x: int
    y: int
    height: int


def _bars(days: list[DayCount]) -> list[Bar]:
    """The bar chart's geometry: one bar per day, the busiest day full height."""
    peak = max((day.count for day in days), default=0) or 1
    bars = []
    for index, day in enumerate(days):
        height = round(day.count * CHART_HEIGHT / peak)
        bars.append(Bar(day, index * (BAR_WIDTH + BAR_GAP), CHART_HEIGHT - height, height))
    return bars


@roles_required(Role.MARKETING, Role.DPO)
@require_GET
def stats_dashboard_view(request: HttpRequest) -> HttpResponse:
    """Page views per day of one site over a range (table and bar chart) and its top pages."""
    sites = stats_site_list()
    form = StatsFilterForm(request.GET, sites=sites)
    context: dict[str, object] = {"form": form, "sites": sites}
    if sites and form.is_valid():
        site = form.selected_site()
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        days = stats_daily_counts(site=site, start=start, end=end)
        top = Paginator(stats_top_pages(site=site, start=start, end=end), TOP_PAGE_SIZE)
        query = request.GET.copy()
        query.pop("page", None)
        context |= {
            "site": site,
            "days": days,
            "total": sum(day.count for day in days),
            "bars": _bars(days),
            "chart_width": max(len(days) * (BAR_WIDTH + BAR_GAP) - BAR_GAP, 1),
            "chart_height": CHART_HEIGHT,
            "bar_width": BAR_WIDTH,
            "page": top.get_page(request.GET.get("page")),
            "query": query.urlencode(),
        }
    return render(request, "consent/stats_dashboard.html", context)


@roles_required(Role.MARKETING, Role.DPO)
@require_GET
def stats_export_view(request: HttpRequest) -> HttpResponse:
    """The counters of one site over a range as CSV (day, path, views): aggregates only."""
    form = StatsFilterForm(request.GET, sites=stats_site_list())
    if not form.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(str(message) for message in messages)}"
            for name, messages in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    site = form.selected_site()
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="stats-{site.key}-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow([_("jour"), _("page"), _("vues")])
    for day, path, count in stats_export_rows(site=site, start=start, end=end):
        writer.writerow([day.isoformat(), _csv_safe(path), count])
    return response


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (paths start with "/", but be sure)."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@"} else value
