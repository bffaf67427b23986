"""The cookie banner (garde-consent.js) in a real browser, on the demo page /consent/demo/,
which holds back a statistics script (it sets ``window.__statsRan``) and an embedded frame
(purpose "preferences"): nothing runs before a choice, refusing is as easy as accepting, the
preference centre, withdrawal, Global Privacy Control, keyboard use, accessibility, 320 px,
and the banner coming back after a new configuration version or once the choice expired."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import include, path
from playwright.sync_api import expect

from garde import urls as garde_urls
from garde.consent.models import ConsentRecord, ConsentSite
from garde.consent.services import consent_site_create, consent_site_publish

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from pytest_django.fixtures import SettingsWrapper
    from pytest_django.live_server_helper import LiveServer

# The project's URLs, plus the demo page's if the project does not mount them (yet).
urlpatterns = list(garde_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "consent_demo" for p in urlpatterns):
    urlpatterns.insert(0, path("", include("garde.consent.demo_urls")))
handler404 = garde_urls.handler404

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]

AXE = Path(__file__).resolve().parents[2] / ".ci/tools/node_modules/axe-core/axe.min.js"
SERIOUS = {"serious", "critical"}
DEMO = "/consent/demo/"
COOKIE = "garde_consent"
COOKIE_RE = re.compile(r"^v(\d+)\.([A-Za-z0-9_-]{22,64})\.(\d+)\.(.*)$")
GPC_INIT = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"


def _texts(lang: str) -> dict[str, str]:
    fr = lang == "fr"
    return {
        "title": "Vos choix de cookies" if fr else "Your cookie choices",
        "body": "Nous utilisons des cookies pour les statistiques et vos préférences."
        if fr
        else "We use cookies for statistics and your preferences.",
        "accept_all": "Tout accepter" if fr else "Accept all",
        "refuse_all": "Tout refuser" if fr else "Refuse all",
        "customise": "Personnaliser" if fr else "Customise",
        "save": "Enregistrer mes choix" if fr else "Save my choices",
        "close": "Fermer" if fr else "Close",
        "gpc_notice": "Votre navigateur envoie le signal Global Privacy Control : "
        "les cookies facultatifs sont refusés."
        if fr
        else "Your browser sends Global Privacy Control: optional cookies are refused.",
        "required": "toujours actif" if fr else "always on",
        "history": "Historique de mes choix" if fr else "My choice history",
        "download": "Télécharger (JSON)" if fr else "Download (JSON)",
        "placeholder": "Ce contenu dépose des cookies" if fr else "This content sets cookies",
        "accept_one": "Accepter pour ce contenu" if fr else "Accept for this content",
    }


def _purpose(key: str, fr: str, en: str, cookies: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": key,
        "required": key == "necessary",
        "name": {"fr": fr, "en": en},
        "description": {"fr": f"Description : {fr}.", "en": f"Description: {en}."},
        "services": [{"name": f"Service {en}", "cookies": cookies}],
    }


DEMO_CONFIG: dict[str, Any] = {
    "cookie_name": COOKIE,
    "cookie_domain": None,
    "texts": {"fr": _texts("fr"), "en": _texts("en")},
    "purposes": [
        _purpose(
            "necessary",
            "Strictement nécessaires",
            "Strictly necessary",
            [{"name": "sessionid", "domain": None, "path": "/"}],
        ),
        _purpose(
            "statistics",
            "Statistiques",
            "Statistics",
            [{"name": "_pk_id", "domain": None, "path": "/"}],
        ),
        _purpose("preferences", "Préférences", "Preferences", []),
    ],
}


@pytest.fixture
def demo_site(settings: SettingsWrapper, live_server: LiveServer) -> ConsentSite:
    # The configuration names the API by the base URL: the live server's, here.
    settings.BASE_URL = live_server.url
    site = consent_site_create(key="demo", name="Démo", draft=DEMO_CONFIG, actor=None)
    return consent_site_publish(site=site, actor=None)


@pytest.fixture
def gpc_page(browser: Browser) -> Iterator[Page]:
    # Chromium implements no GPC: send the header and define the property ourselves.
    context = browser.new_context(locale="fr-FR", extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(GPC_INIT)
    yield context.new_page()
    context.close()


def consent_cookie(context: BrowserContext) -> str | None:
    values = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    return values[0] if values else None


def cookie_choices(value: str | None) -> str:
    match = COOKIE_RE.match(value or "")
    assert match, value
    return match.group(4)


def dialog(page: Page) -> Any:
    return page.get_by_role("dialog")


def open_demo(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + DEMO)
    page.wait_for_load_state("networkidle")


def click_and_wait_record(page: Page, name: str) -> None:
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/consent") and r.request.method == "POST"
    ) as response:
        page.get_by_role("button", name=name, exact=True).click()
    assert response.value.status == 201


def stats_ran(page: Page) -> bool:
    return bool(page.evaluate("window.__statsRan === true"))


def test_nothing_runs_before_a_choice(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # when
    open_demo(page, live_server)

    # then
    expect(dialog(page)).to_be_visible()
    expect(dialog(page)).to_have_attribute("aria-modal", "true")
    expect(page.get_by_role("heading", name="Vos choix de cookies")).to_be_visible()
    assert stats_ran(page) is False
    assert consent_cookie(page.context) is None
    assert page.locator("iframe[data-src]").get_attribute("src") is None
    expect(page.get_by_role("button", name="Accepter pour ce contenu")).to_be_visible()
    assert ConsentRecord.objects.count() == 0


def test_refuse_all_keeps_statistics_blocked_and_records_the_refusal(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)

    # when
    click_and_wait_record(page, "Tout refuser")

    # then
    expect(dialog(page)).to_have_count(0)
    assert stats_ran(page) is False
    value = consent_cookie(page.context)
    assert cookie_choices(value) == "statistics:0,preferences:0"
    record = ConsentRecord.objects.get()
    assert (record.version, record.method, record.choices, record.language) == (
        1,
        "refuse_all",
        {"statistics": False, "preferences": False},
        "fr",
    )
    assert value is not None
    assert value.split(".")[1] == record.visitor
    # and the choice is remembered: no banner on the next page, still blocked
    open_demo(page, live_server)
    expect(dialog(page)).to_have_count(0)
    assert stats_ran(page) is False
    assert ConsentRecord.objects.count() == 1


def test_accept_all_runs_the_statistics_script(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)

    # when
    click_and_wait_record(page, "Tout accepter")

    # then
    page.wait_for_function("window.__statsRan === true")
    assert cookie_choices(consent_cookie(page.context)) == "statistics:1,preferences:1"
    assert page.locator("iframe[data-src]").get_attribute("src") == "/consent/demo/frame/"
    expect(page.frame_locator("iframe[data-src]").locator("#frame-loaded")).to_be_visible()
    record = ConsentRecord.objects.get()
    assert (record.method, record.choices) == (
        "accept_all",
        {"statistics": True, "preferences": True},
    )


def test_preference_centre_toggles_one_purpose_then_withdraws_it(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)
    page.get_by_role("button", name="Personnaliser").click()
    switches = page.get_by_role("switch")
    expect(switches).to_have_count(3)
    expect(page.get_by_role("switch", name=re.compile("Strictement nécessaires"))).to_be_checked()
    expect(page.get_by_role("switch", name=re.compile("Strictement nécessaires"))).to_be_disabled()
    expect(page.get_by_role("switch", name="Statistiques")).not_to_be_checked()
    expect(page.get_by_role("switch", name="Préférences")).not_to_be_checked()

    # when
    page.get_by_role("switch", name="Statistiques").check()
    click_and_wait_record(page, "Enregistrer mes choix")

    # then
    page.wait_for_function("window.__statsRan === true")
    assert cookie_choices(consent_cookie(page.context)) == "statistics:1,preferences:0"
    assert page.locator("iframe[data-src]").get_attribute("src") is None
    assert ConsentRecord.objects.get().choices == {"statistics": True, "preferences": False}

    # given the statistics service left its cookie on several paths, host-only and domain-wide
    host = live_server.url.split("//")[1].split(":")[0]
    page.context.add_cookies(
        [
            {"name": "_pk_id", "value": "a", "domain": host, "path": "/"},
            {"name": "_pk_id", "value": "b", "domain": host, "path": "/consent/demo"},
            {"name": "_pk_id", "value": "d", "domain": "." + host, "path": "/consent/demo/"},
            {"name": "keep_me", "value": "c", "domain": host, "path": "/"},
        ]
    )

    assert [c["name"] for c in page.context.cookies()].count("_pk_id") == 3

    # when the footer link reopens the centre and statistics are withdrawn
    page.get_by_role("link", name="Gérer mes choix de cookies").click()
    expect(page.get_by_role("switch", name="Statistiques")).to_be_checked()
    page.get_by_role("switch", name="Statistiques").uncheck()
    with page.expect_navigation():
        click_and_wait_record(page, "Enregistrer mes choix")
    page.wait_for_load_state("networkidle")

    # then
    assert stats_ran(page) is False
    assert cookie_choices(consent_cookie(page.context)) == "statistics:0,preferences:0"
    names = sorted(c["name"] for c in page.context.cookies())
    assert names == [COOKIE, "keep_me"]
    assert list(ConsentRecord.objects.values_list("method", flat=True)) == [
        "preferences",
        "withdraw",
    ]


def test_placeholder_accepts_its_purpose_in_place(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)

    # when
    click_and_wait_record(page, "Accepter pour ce contenu")

    # then
    assert page.locator("iframe[data-src]").get_attribute("src") == "/consent/demo/frame/"
    expect(page.get_by_role("button", name="Accepter pour ce contenu")).to_have_count(0)
    assert stats_ran(page) is False
    assert ConsentRecord.objects.get().choices == {"statistics": False, "preferences": True}


def test_global_privacy_control_refuses_without_asking(
    gpc_page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    page = gpc_page

    # when
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/consent") and r.request.method == "POST"
    ):
        page.goto(live_server.url + DEMO)
    page.wait_for_load_state("networkidle")

    # then
    expect(dialog(page)).to_have_count(0)
    assert stats_ran(page) is False
    assert cookie_choices(consent_cookie(page.context)) == "statistics:0,preferences:0"
    record = ConsentRecord.objects.get()
    assert (record.method, record.choices) == ("gpc", {"statistics": False, "preferences": False})
    # and the preference centre says so, with the optional purposes locked off
    page.get_by_role("link", name="Gérer mes choix de cookies").click()
    expect(page.get_by_role("note")).to_have_text(_texts("fr")["gpc_notice"])
    expect(page.get_by_role("switch", name="Statistiques")).to_be_disabled()
    expect(page.get_by_role("switch", name="Statistiques")).not_to_be_checked()
    page.get_by_role("button", name="Tout accepter").click()
    page.wait_for_load_state("networkidle")
    assert stats_ran(page) is False


def test_first_layer_buttons_have_the_same_size_and_style(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)
    expect(dialog(page)).to_be_visible()
    script = """el => { const s = getComputedStyle(el), r = el.getBoundingClientRect();
      return [r.width, r.height, s.fontSize, s.fontWeight, s.backgroundColor, s.color,
              s.borderTopWidth, s.borderTopColor, s.paddingTop]; }"""

    # when
    accept = page.get_by_role("button", name="Tout accepter").evaluate(script)
    refuse = page.get_by_role("button", name="Tout refuser").evaluate(script)

    # then: the same, and styled by the banner's stylesheet (not the browser's defaults)
    assert accept == refuse
    assert accept[0] > 0
    assert (accept[3], accept[4], accept[5]) == ("700", "rgb(18, 50, 110)", "rgb(255, 255, 255)")


def test_banner_is_operable_with_the_keyboard_alone(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)
    expect(dialog(page)).to_be_visible()
    inside = "document.activeElement.closest('#garde-consent') !== null"

    # when focus cycles well past the dialog's controls, it never leaves it
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
        seen.append(page.evaluate("document.activeElement.textContent"))
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(inside)

    # then the second layer opens with Enter, Escape goes back, and Enter refuses
    assert "Personnaliser" in seen
    while page.evaluate("document.activeElement.textContent") != "Personnaliser":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("switch", name="Statistiques")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("switch")).to_have_count(0)
    while page.evaluate("document.activeElement.textContent") != "Tout refuser":
        page.keyboard.press("Tab")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/consent")):
        page.keyboard.press("Enter")
    assert cookie_choices(consent_cookie(page.context)) == "statistics:0,preferences:0"
    assert ConsentRecord.objects.get().method == "refuse_all"


def test_banner_has_no_serious_accessibility_violation(
    browser: Browser, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run .ci/install-browser-tools.sh")
    # given: the CSP forbids inline scripts, which is how axe is injected
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    open_demo(page, live_server)
    expect(dialog(page)).to_be_visible()
    rules = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}}"

    def violations() -> list[dict[str, Any]]:
        page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = page.evaluate(f"axe.run(document, {rules})")
        return [
            {"id": v["id"], "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
            if v["impact"] in SERIOUS
        ]

    # when
    first_layer = violations()
    page.get_by_role("button", name="Personnaliser").click()
    expect(page.get_by_role("switch", name="Statistiques")).to_be_visible()
    second_layer = violations()
    context.close()

    # then
    assert first_layer == []
    assert second_layer == []


def test_banner_fits_a_320_pixel_wide_screen(
    browser: Browser, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    context = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    page = context.new_page()

    # when
    open_demo(page, live_server)
    expect(dialog(page)).to_be_visible()
    boxes = [
        page.get_by_role("button", name=name).bounding_box()
        for name in ("Tout accepter", "Tout refuser", "Personnaliser")
    ]
    overflow = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    # then
    assert overflow <= 320
    for box in boxes:
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 320


def test_banner_follows_the_page_language(
    browser: Browser, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given an English-speaking browser: the demo page is served with lang="en"
    context = browser.new_context(locale="en-GB")
    page = context.new_page()

    # when
    open_demo(page, live_server)

    # then
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_role("heading", name="Your cookie choices")).to_be_visible()
    expect(page.get_by_role("button", name="Accept all")).to_be_visible()
    expect(page.get_by_role("button", name="Refuse all")).to_be_visible()
    context.close()


def test_banner_returns_after_a_new_configuration_version(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given a visitor who chose under version 1
    open_demo(page, live_server)
    click_and_wait_record(page, "Tout accepter")
    open_demo(page, live_server)
    expect(dialog(page)).to_have_count(0)
    visitor = (consent_cookie(page.context) or "").split(".")[1]

    # when the DPO publishes version 2
    demo_site.draft = {**DEMO_CONFIG, "texts": {**DEMO_CONFIG["texts"]}}
    demo_site.draft["texts"]["fr"] = {**_texts("fr"), "title": "Nos cookies ont changé"}
    demo_site.save(update_fields=["draft"])
    consent_site_publish(site=demo_site, actor=None)
    open_demo(page, live_server)

    # then the banner asks again, nothing optional runs meanwhile, and the new choice is v2
    expect(page.get_by_role("heading", name="Nos cookies ont changé")).to_be_visible()
    assert stats_ran(page) is False
    host = live_server.url.split("//")[1].split(":")[0]
    page.context.add_cookies([{"name": "_pk_id", "value": "a", "domain": host, "path": "/"}])
    click_and_wait_record(page, "Tout refuser")
    latest = ConsentRecord.objects.order_by("id").last()
    assert latest is not None
    # refusing what version 1 allowed withdraws it, and its cookies go
    assert (latest.version, latest.visitor, latest.method) == (2, visitor, "withdraw")
    assert [c["name"] for c in page.context.cookies()] == [COOKIE]


def test_banner_returns_once_the_choice_expired(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given a consent given 183 days ago, past the 182-day lifetime
    host = live_server.url.split("//")[1].split(":")[0]
    old = int(time.time()) - 183 * 86400
    visitor = "A" * 22
    page.context.add_cookies(
        [
            {
                "name": COOKIE,
                "value": f"v1.{visitor}.{old}.statistics:1,preferences:1",
                "domain": host,
                "path": "/",
            }
        ]
    )

    # when
    open_demo(page, live_server)

    # then
    expect(dialog(page)).to_be_visible()
    assert stats_ran(page) is False


def test_a_recent_choice_is_applied_without_asking(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given a consent given 181 days ago, within the 182-day lifetime
    host = live_server.url.split("//")[1].split(":")[0]
    recent = int(time.time()) - 181 * 86400
    page.context.add_cookies(
        [
            {
                "name": COOKIE,
                "value": f"v1.{'A' * 22}.{recent}.statistics:1,preferences:0",
                "domain": host,
                "path": "/",
            }
        ]
    )

    # when
    open_demo(page, live_server)

    # then
    expect(dialog(page)).to_have_count(0)
    page.wait_for_function("window.__statsRan === true")
    assert ConsentRecord.objects.count() == 0


def test_visitor_sees_and_downloads_their_consent_history(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given two choices by this visitor, one by another visitor
    open_demo(page, live_server)
    click_and_wait_record(page, "Tout refuser")
    page.get_by_role("link", name="Gérer mes choix de cookies").click()
    page.get_by_role("switch", name="Préférences").check()
    click_and_wait_record(page, "Enregistrer mes choix")
    ConsentRecord.objects.create(
        site=demo_site,
        version=1,
        visitor="B" * 22,
        choices={"statistics": True, "preferences": True},
        method="accept_all",
        language="fr",
        text_version=demo_site.text_version,
        recorded_at=ConsentRecord.objects.get(method="refuse_all").recorded_at,
    )

    # when
    page.get_by_role("link", name="Gérer mes choix de cookies").click()
    page.get_by_role("button", name="Historique de mes choix").click()
    link = page.get_by_role("link", name="Télécharger (JSON)")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()

    # then
    expect(page.locator("#gc-history li")).to_have_count(2)
    assert download.value.suggested_filename == "consent-demo.json"
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [(r["method"], r["choices"]) for r in saved["records"]] == [
        ("refuse_all", {"statistics": False, "preferences": False}),
        ("preferences", {"statistics": False, "preferences": True}),
    ]


def test_escape_closes_a_reopened_preference_centre_and_changes_nothing(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given
    open_demo(page, live_server)
    click_and_wait_record(page, "Tout refuser")
    before = consent_cookie(page.context)
    page.get_by_role("link", name="Gérer mes choix de cookies").click()
    page.get_by_role("switch", name="Statistiques").check()

    # when
    page.keyboard.press("Escape")

    # then
    expect(dialog(page)).to_have_count(0)
    assert consent_cookie(page.context) == before
    assert stats_ran(page) is False
    assert ConsentRecord.objects.count() == 1


def test_banner_works_embedded_on_another_website(
    page: Page, live_server: LiveServer, demo_site: ConsentSite
) -> None:
    # given an operator's site on another origin that embeds the banner with one script tag
    # (a loopback one: Chromium forbids a public http page to load from loopback)
    shop_host = "127.0.0.1" if "//localhost:" in live_server.url else "localhost"
    shop = f"http://{shop_host}:9/shop/"
    html = f"""<!DOCTYPE html><html lang="fr"><head><title>Boutique</title>
    <script src="{live_server.url}/consent/garde-consent.js" data-site="demo" defer></script>
    <script type="text/plain" data-garde-purpose="statistics"
      src="{live_server.url}/consent/demo/stats.js"></script></head>
    <body><main><h1>Boutique</h1></main></body></html>"""
    # The test serves the shop page itself, so Chromium cannot tell it is local: allow it.
    page.context.grant_permissions(["local-network-access"])
    page.route(shop, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(shop)
    expect(dialog(page)).to_be_visible()
    assert stats_ran(page) is False
    accept = page.get_by_role("button", name="Tout accepter")
    assert accept.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(18, 50, 110)"

    # when (the API is called across origins: CORS, with a preflight for the JSON body)
    click_and_wait_record(page, "Tout accepter")

    # then
    page.wait_for_function("window.__statsRan === true")
    cookies = [c for c in page.context.cookies(shop) if c["name"] == COOKIE]
    assert [c["domain"] for c in cookies] == [shop_host]
    assert cookie_choices(cookies[0]["value"]) == "statistics:1,preferences:1"
    assert ConsentRecord.objects.get().method == "accept_all"
    assert page.get_by_role("button", name="Tout accepter").count() == 0


def test_the_projects_demo_site_shows_its_banner(
    page: Page, live_server: LiveServer, settings: SettingsWrapper
) -> None:
    # given the demo site as `garde demo` loads it
    from garde.consent.demo import demo_load

    settings.BASE_URL = live_server.url
    demo_load()

    # when
    open_demo(page, live_server)
    click_and_wait_record(page, "Tout refuser")

    # then
    assert stats_ran(page) is False
    assert cookie_choices(consent_cookie(page.context)) == "statistics:0,preferences:0"
    assert ConsentRecord.objects.get().method == "refuse_all"
