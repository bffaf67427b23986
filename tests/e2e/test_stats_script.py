"""garde-stats.js in a real browser (LEGAL-RULES R-56, R-57): loading a page that embeds it
counts one anonymous page view, with no cookie, no web storage and no Set-Cookie; a page on
another of the operator's origins counts when the site declares it, and not otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from garde import urls as garde_urls
from garde.consent.models import ConsentSite, PageViewDay
from garde.consent.services import consent_site_create, consent_site_publish
from garde.consent.stats_urls import public_urlpatterns as stats_public_urlpatterns
from tests.e2e.test_consent_banner import DEMO_CONFIG

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response
    from pytest_django.fixtures import SettingsWrapper
    from pytest_django.live_server_helper import LiveServer

# The project's URLs, plus the demo page's and the statistics' if not mounted (yet).
urlpatterns = list(garde_urls.urlpatterns)
_namespaces = {getattr(p, "namespace", None) for p in urlpatterns}
if "consent_demo" not in _namespaces:
    urlpatterns.insert(0, path("", include("garde.consent.demo_urls")))
if "consent_stats_public" not in _namespaces:
    urlpatterns.insert(0, path("", include(stats_public_urlpatterns)))
    urlpatterns += i18n_patterns(
        path("", include("garde.consent.stats_urls")), prefix_default_language=False
    )
handler404 = garde_urls.handler404

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]

HIT = "/api/v1/stats/hit"
STORAGE = "[document.cookie, localStorage.length, sessionStorage.length]"


def _site(live_server: LiveServer, settings: SettingsWrapper, **extra: Any) -> ConsentSite:
    settings.BASE_URL = live_server.url
    site = consent_site_create(key="demo", name="Démo", draft={**DEMO_CONFIG, **extra}, actor=None)
    return consent_site_publish(site=site, actor=None)


def _counters() -> list[tuple[str, int]]:
    return list(PageViewDay.objects.order_by("path").values_list("path", "count"))


def _document_cookie(cookies: list[Any]) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies if not c["httpOnly"])


def _shop_page(page: Page, live_server: LiveServer) -> str:
    """An operator's page on another (loopback) origin that embeds only the statistics."""
    shop_host = "127.0.0.1" if "//localhost:" in live_server.url else "localhost"
    shop = f"http://{shop_host}:9/boutique/panier?utm_source=mail#haut"
    html = f"""<!DOCTYPE html><html lang="fr"><head><title>Boutique</title>
    <script src="{live_server.url}/consent/garde-stats.js" data-site="demo" defer></script>
    </head><body><main><h1>Boutique</h1></main></body></html>"""
    page.context.grant_permissions(["local-network-access"])
    page.route(
        f"http://{shop_host}:9/boutique/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    return shop


def test_r_57_a_page_view_is_counted_with_no_cookie_and_no_storage(
    page: Page, live_server: LiveServer, settings: SettingsWrapper
) -> None:
    # given a visitor who already holds a cookie of Garde's origin (the hit must not carry it)
    _site(live_server, settings)
    page.context.add_cookies([{"name": "probe", "value": "1", "url": live_server.url}])
    cookies_before = page.context.cookies()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    # when
    with page.expect_response(lambda r: r.url.endswith(HIT)) as hit:
        page.goto(live_server.url + "/consent/demo/?page=2&email=jean@example.fr")
    page.wait_for_load_state("networkidle")
    # then
    assert hit.value.status == 204
    assert hit.value.request.header_value("cookie") is None
    assert _counters() == [("/consent/demo/?page=2", 1)]
    assert page.evaluate(STORAGE) == [_document_cookie(cookies_before), 0, 0]
    assert page.context.cookies() == cookies_before
    assert [r.url for r in responses if r.header_value("set-cookie")] == []
    # and a second load is a second view of the same page, on the same row
    with page.expect_response(lambda r: r.url.endswith(HIT)):
        page.reload()
    assert _counters() == [("/consent/demo/?page=2", 2)]
    assert page.context.cookies() == cookies_before


def test_r_57_a_page_on_a_declared_origin_of_the_site_is_counted(
    page: Page, live_server: LiveServer, settings: SettingsWrapper
) -> None:
    # given
    shop = _shop_page(page, live_server)
    origin = shop.split("/boutique")[0]
    _site(live_server, settings, allowed_origins=[origin])
    # when
    with page.expect_response(lambda r: r.url.endswith(HIT)) as hit:
        page.goto(shop)
    # then
    assert hit.value.status == 204
    assert hit.value.request.header_value("cookie") is None
    assert _counters() == [("/boutique/panier", 1)]
    assert page.evaluate(STORAGE) == ["", 0, 0]
    assert [c["name"] for c in page.context.cookies() if c["domain"] in shop] == []


def test_r_57_a_page_on_an_undeclared_origin_is_not_counted(
    page: Page, live_server: LiveServer, settings: SettingsWrapper
) -> None:
    # given
    shop = _shop_page(page, live_server)
    _site(live_server, settings, allowed_origins=["https://www.example.fr"])
    # when
    with page.expect_response(lambda r: r.url.endswith(HIT)) as hit:
        page.goto(shop)
    # then
    assert hit.value.status == 403
    assert _counters() == []


def test_a_browser_sending_do_not_track_sends_no_hit(
    browser: Any, live_server: LiveServer, settings: SettingsWrapper
) -> None:
    # given
    _site(live_server, settings)
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'});"
    )
    page = context.new_page()
    hits: list[str] = []
    page.on("request", lambda r: hits.append(r.url) if r.url.endswith(HIT) else None)
    # when
    page.goto(live_server.url + "/consent/demo/")
    page.wait_for_load_state("networkidle")
    context.close()
    # then
    assert hits == []
    assert _counters() == []
