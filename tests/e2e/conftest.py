"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against pytest-django's
``live_server``. Browsers are never downloaded: the system Chromium is used, and the tests are
skipped when it is missing (``.ci/install-browser-tools.sh`` installs it)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from playwright.sync_api import expect, sync_playwright

from garde.consent.own_site import OWN_CONFIG

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The network is closed: keep Chromium from reaching out on its own.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALE = "fr-FR"
TIMEOUT_MS = 10_000

# Tests that study a visitor's first choice start with no stored choice (see ``browser``).
FRESH_VISITOR_FIXTURES = frozenset({"fresh_visitor", "demo_site"})
REFUSAL_VISITOR = "e2eRefusedEverything0000"

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from pytest_django.live_server_helper import LiveServer


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Chromium per test module. Module scope, not session: while Playwright runs, its event
    loop is the running loop of the main thread, so Django would refuse ORM calls from the tests
    themselves (loading the demo data, reading a TOTP secret) unless DJANGO_ALLOW_ASYNC_UNSAFE is
    set; the variable is set only for that time and restored after, so the rest of the suite
    keeps Django's async-safety check."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: run .ci/install-browser-tools.sh (never `playwright install`)"
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            expect.set_options(timeout=TIMEOUT_MS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def own_site_refusal_cookie(url: str, version: int = 1) -> dict[str, Any]:
    """The cookie garde-consent.js stores when a visitor refuses everything on Garde's own
    pages (site ``garde``), in its format ``v<version>.<visitor>.<epoch>.<purpose>:0,...``."""
    optional = [p["key"] for p in OWN_CONFIG["purposes"] if not p["required"]]
    choices = ",".join(f"{key}:0" for key in optional)
    value = f"v{version}.{REFUSAL_VISITOR}.{int(time.time())}.{choices}"
    return {"name": OWN_CONFIG["cookie_name"], "value": value, "url": url}


class RefusingBrowser:
    """The module's Chromium, except that each new context carries a stored refusal of Garde's
    own banner: the pages' other tests see them as a returning visitor would, banner closed."""

    def __init__(self, browser: Browser, url: str) -> None:
        self._browser = browser
        self._url = url

    def new_context(self, **options: Any) -> BrowserContext:
        context = self._browser.new_context(**options)
        context.add_cookies([own_site_refusal_cookie(self._url)])  # type: ignore[list-item]
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def fresh_visitor() -> None:
    """Ask for it to get browser contexts without the stored refusal: a first visit."""


@pytest.fixture
def browser(chromium: Browser, request: pytest.FixtureRequest, live_server: LiveServer) -> Browser:
    """Chromium whose contexts hold a refusal of Garde's own banner, unless the test asks for a
    fresh visitor (``fresh_visitor``) or sets up the banner's demo site (``demo_site``)."""
    if FRESH_VISITOR_FIXTURES & set(request.fixturenames):
        return chromium
    return cast("Browser", RefusingBrowser(chromium, live_server.url))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per test: no cookie, session or language choice leaks between tests."""
    context = browser.new_context(locale=LOCALE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
