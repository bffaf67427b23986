"""The marketing dashboard of audience statistics: daily page views (table and bar chart) and
top pages of one site over a date range, CSV export of the aggregates; marketing and DPO only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from garde.consent.models import ConsentSite, PageViewDay

pytestmark = pytest.mark.urls("tests.consent.stats_urlconf")

TODAY = date(2026, 3, 10)
# Session, user and roles (3), sites, daily totals, top pages count and page (4).
QUERIES = 7


def counter(site: ConsentSite, path: str, day: date, count: int) -> None:
    PageViewDay.objects.create(site=site, path=path, day=day, count=count)


@pytest.fixture
def figures(site: ConsentSite) -> ConsentSite:
    counter(site, "/", TODAY, 5)
    counter(site, "/offres/", TODAY, 3)
    counter(site, "/", TODAY - timedelta(days=2), 2)
    counter(site, "/ancien/", TODAY - timedelta(days=40), 9)
    return site


@time_machine.travel("2026-03-10 12:00 +0100", tick=False)
def test_the_dashboard_shows_the_last_30_days_by_default(
    client_as: Callable[[str], Client], figures: ConsentSite
) -> None:
    # given
    client = client_as("marketing")
    # when
    response = client.get(reverse("consent_stats:dashboard"))
    # then
    assert response.status_code == 200
    days = response.context["days"]
    assert (len(days), days[0].day, days[-1].day) == (30, date(2026, 2, 9), TODAY)
    assert [(d.day, d.count) for d in days if d.count] == [
        (date(2026, 3, 8), 2),
        (TODAY, 8),
    ]
    assert response.context["total"] == 10
    assert [(row["path"], row["total"]) for row in response.context["page"]] == [
        ("/", 7),
        ("/offres/", 3),
    ]
    bars = response.context["bars"]
    assert (bars[-1].height, bars[-3].height, bars[0].height) == (120, 30, 0)
    html = response.content.decode()
    assert 'role="img"' in html
    assert html.count("<rect ") == 30
    assert "/ancien/" not in html


def test_a_date_range_selects_the_days(
    client_as: Callable[[str], Client], figures: ConsentSite
) -> None:
    # given
    client = client_as("dpo")
    start = TODAY - timedelta(days=45)
    # when
    response = client.get(
        reverse("consent_stats:dashboard"),
        {
            "site": "demo",
            "start": start.isoformat(),
            "end": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    # then
    assert response.status_code == 200
    assert len(response.context["days"]) == 45
    assert response.context["total"] == 11
    assert [(row["path"], row["total"]) for row in response.context["page"]] == [
        ("/ancien/", 9),
        ("/", 2),
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-03-01"}, "end"),
        ({"start": "hier"}, "start"),
        ({"site": "nope"}, "site"),
    ],
)
def test_a_bad_filter_shows_the_error_and_no_figures(
    client_as: Callable[[str], Client], figures: ConsentSite, params: dict[str, str], field: str
) -> None:
    # when
    response = client_as("marketing").get(reverse("consent_stats:dashboard"), params)
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "days" not in response.context


def test_the_top_pages_are_paginated_in_a_fixed_number_of_queries(
    client_as: Callable[[str], Client],
    site: ConsentSite,
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    # given
    for index in range(25):
        counter(site, f"/p{index:02d}", TODAY, 100 - index)
    params = {"site": "demo", "start": TODAY.isoformat(), "end": TODAY.isoformat(), "page": 2}
    client = client_as("marketing")
    client.get(reverse("consent_stats:dashboard"), params)  # warm the session and roles
    # when
    with django_assert_num_queries(QUERIES):
        response = client.get(reverse("consent_stats:dashboard"), params)
    # then
    page = response.context["page"]
    assert (page.number, page.paginator.num_pages) == (2, 2)
    assert [row["path"] for row in page] == ["/p20", "/p21", "/p22", "/p23", "/p24"]
    assert "page=1" in response.content.decode()


def test_the_csv_export_holds_only_the_aggregates_of_the_range(
    client_as: Callable[[str], Client], figures: ConsentSite
) -> None:
    # given
    client = client_as("marketing")
    params = {"site": "demo", "start": "2026-03-01", "end": "2026-03-10"}
    # when
    response = client.get(reverse("consent_stats:export"), params)
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="stats-demo-2026-03-01-2026-03-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["jour", "page", "vues"],
        ["2026-03-08", "/", "2"],
        ["2026-03-10", "/", "5"],
        ["2026-03-10", "/offres/", "3"],
    ]


def test_the_csv_export_refuses_a_bad_range_with_400(
    client_as: Callable[[str], Client], figures: ConsentSite
) -> None:
    # when
    response = client_as("dpo").get(
        reverse("consent_stats:export"),
        {"site": "demo", "start": "2026-03-10", "end": "2026-03-01"},
    )
    # then
    assert response.status_code == 400
    assert response.content.decode().startswith("end: ")


def test_the_dashboard_in_english(client_as: Callable[[str], Client], figures: ConsentSite) -> None:
    # when
    response = client_as("marketing").get("/en/console/stats/")
    # then
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "en"


@pytest.mark.parametrize("role", ["sales", "support", "hr", "sysadmin", "org_admin", "member"])
def test_other_roles_cannot_see_the_figures(
    client_as: Callable[[str], Client], figures: ConsentSite, role: str
) -> None:
    # when
    client = client_as(role)
    responses = [
        client.get(reverse("consent_stats:dashboard")),
        client.get(reverse("consent_stats:export"), {"site": "demo"}),
    ]
    # then
    assert [r.status_code for r in responses] == [403, 403]


def test_the_script_is_served_cacheable_for_any_site_without_cookie(client: Client) -> None:
    # when
    response = client.get("/consent/garde-stats.js")
    again = client.get("/consent/garde-stats.js", HTTP_IF_NONE_MATCH=response["ETag"])
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response
    assert again.status_code == 304
