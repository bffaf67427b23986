"""POST /api/v1/stats/hit: consent-exempt audience measurement (LEGAL-RULES R-56, R-57) keeps
per-page daily counters and nothing about the visitor; refused hits store nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.test import Client

from garde.consent.models import ConsentSite, PageViewDay
from garde.core.models import AuditEvent

if TYPE_CHECKING:
    from pytest_django.fixtures import SettingsWrapper

URL = "/api/v1/stats/hit"
GARDE = "https://garde.example.fr"
SHOP = "https://shop.example.fr"
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _base_url(settings: SettingsWrapper) -> None:
    settings.BASE_URL = GARDE


def hit(
    client: Client,
    payload: object,
    *,
    origin: str | None = GARDE,
    content_type: str = "text/plain;charset=UTF-8",
    **extra: Any,
) -> Any:
    data = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    if origin is not None:
        extra["HTTP_ORIGIN"] = origin
    return client.post(URL, data=data, content_type=content_type, **extra)


def counters() -> list[tuple[str, str, date, int]]:
    rows = PageViewDay.objects.order_by("day", "path")
    return [(row.site.key, row.path, row.day, row.count) for row in rows]


@time_machine.travel(NOON, tick=False)
def test_r_57_a_hit_stores_only_the_anonymous_daily_counter(
    client: Client, site: ConsentSite
) -> None:
    # given
    client.cookies["garde_consent"] = "v1.vA1b2C3d4E5f6G7h8I9j0K.1.statistics:1"
    audit_before = AuditEvent.objects.count()
    visitor = {
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "HTTP_REFERER": f"{GARDE}/offres/?utm_source=mail",
    }
    # when
    first = hit(client, {"site": "demo", "path": "/offres/"}, **visitor)
    second = hit(client, {"site": "demo", "path": "/offres/"}, **visitor)
    # then
    assert (first.status_code, second.status_code) == (204, 204)
    assert first.content == b""
    assert first.cookies == {}
    assert "Set-Cookie" not in first
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["Cache-Control"] == "no-store"
    row = PageViewDay.objects.get()
    stored = {field.attname: getattr(row, field.attname) for field in PageViewDay._meta.fields}
    assert stored == {
        "id": row.id,
        "site_id": site.id,
        "path": "/offres/",
        "day": date(2026, 3, 10),
        "count": 2,
    }
    assert "203.0.113.9" not in json.dumps(stored, default=str)
    assert AuditEvent.objects.count() == audit_before


def test_r_57_a_json_body_is_counted_like_a_beacon(client: Client, site: ConsentSite) -> None:
    # when
    response = hit(client, {"site": "demo", "path": "/"}, content_type="application/json")
    # then
    assert response.status_code == 204
    assert [(path, count) for _, path, _, count in counters()] == [("/", 1)]


def test_r_57_pages_and_days_are_separate_counters_in_paris_days(
    client: Client, site: ConsentSite
) -> None:
    # given: 23:30 UTC on 10 March is already 11 March in Paris
    with time_machine.travel(datetime(2026, 3, 10, 22, 30, tzinfo=UTC), tick=False):
        hit(client, {"site": "demo", "path": "/a"})
        hit(client, {"site": "demo", "path": "/b#section"})
    # when
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        hit(client, {"site": "demo", "path": "/a?q=jean.dupont&page=2"})
        hit(client, {"site": "demo", "path": "/a"})
    # then
    assert counters() == [
        ("demo", "/a", date(2026, 3, 10), 1),
        ("demo", "/b", date(2026, 3, 10), 1),
        ("demo", "/a", date(2026, 3, 11), 1),
        ("demo", "/a?page=2", date(2026, 3, 11), 1),
    ]


def test_an_unknown_site_is_refused_404_and_nothing_is_stored(
    client: Client, site: ConsentSite
) -> None:
    # when
    response = hit(client, {"site": "nope", "path": "/"})
    # then
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "consent_site_not_found", "field": "site", "message": "Site inconnu."}
    }
    assert response["Access-Control-Allow-Origin"] == "*"
    assert PageViewDay.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("{not json", "body"),
        ("[1, 2]", "body"),
        (b"\xff\xfe", "body"),
        ({"path": "/"}, "site"),
        ({"site": 7, "path": "/"}, "site"),
        ({"site": "demo"}, "path"),
        ({"site": "demo", "path": ""}, "path"),
        ({"site": "demo", "path": 3}, "path"),
        ({"site": "demo", "path": "https://evil.example/x"}, "path"),
        ({"site": "demo", "path": "//evil.example/x"}, "path"),
        ({"site": "demo", "path": "/a\nb"}, "path"),
        ({"site": "demo", "path": "/" + "a" * 2048}, "path"),
        ({"site": "demo", "path": "/", "visitor": "x"}, "visitor"),
    ],
)
def test_a_malformed_hit_is_refused_400_naming_the_field_and_nothing_is_stored(
    client: Client, site: ConsentSite, payload: object, field: str
) -> None:
    # when
    response = hit(client, payload)
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["field"] == field
    assert PageViewDay.objects.count() == 0


def test_a_body_over_4_kb_is_refused_413_and_nothing_is_stored(
    client: Client, site: ConsentSite
) -> None:
    # given
    payload = json.dumps({"site": "demo", "path": "/" + "a" * 4096})
    # when
    response = hit(client, payload)
    # then
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["field"] == "body"
    assert PageViewDay.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": SHOP},
        {"origin": "null"},
        {"origin": None},
        {"origin": None, "HTTP_REFERER": f"{SHOP}/page"},
        {"origin": "http://garde.example.fr"},
        {"origin": "https://garde.example.fr:8443"},
    ],
)
def test_r_57_a_hit_from_a_foreign_page_is_refused_403_first_party_only(
    client: Client, site: ConsentSite, headers: dict[str, Any]
) -> None:
    # when
    response = hit(client, {"site": "demo", "path": "/"}, **headers)
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stats_origin_forbidden"
    assert response.json()["error"]["field"] == "origin"
    assert PageViewDay.objects.count() == 0


def test_r_57_without_origin_the_referer_origin_is_checked(
    client: Client, site: ConsentSite
) -> None:
    # when
    response = hit(
        client, {"site": "demo", "path": "/x"}, origin="null", HTTP_REFERER=f"{GARDE}/x?y=1"
    )
    # then
    assert response.status_code == 204
    assert [(path, count) for _, path, _, count in counters()] == [("/x", 1)]


def test_r_57_a_site_that_declares_origins_counts_only_pages_on_them(
    client: Client, site: ConsentSite
) -> None:
    # given
    site.published = {
        **site.published,
        "allowed_origins": [f"{SHOP}/", "https://www.example.fr"],
    }
    site.save(update_fields=["published"])
    # when
    from_shop = hit(client, {"site": "demo", "path": "/cart"}, origin=SHOP)
    from_garde = hit(client, {"site": "demo", "path": "/cart"}, origin=GARDE)
    # then
    assert (from_shop.status_code, from_garde.status_code) == (204, 403)
    assert [(path, count) for _, path, _, count in counters()] == [("/cart", 1)]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; MJ12Crawler)"},
        {"HTTP_USER_AGENT": "Baiduspider-render/2.0"},
        {"HTTP_DNT": "1"},
    ],
)
def test_crawlers_and_do_not_track_are_answered_204_and_not_counted(
    client: Client, site: ConsentSite, headers: dict[str, str]
) -> None:
    # when
    response = hit(client, {"site": "demo", "path": "/"}, **headers)
    # then
    assert response.status_code == 204
    assert PageViewDay.objects.count() == 0


def test_the_preflight_allows_any_origin_without_credentials(client: Client) -> None:
    # when
    response = client.options(URL, HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    # then
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response
