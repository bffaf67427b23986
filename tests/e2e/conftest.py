"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against pytest-django's
``live_server``. Browsers are never downloaded: the system Chromium is used, and the tests are
skipped when it is missing (``.ci/install-browser-tools.sh`` installs it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect, sync_playwright

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

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per test: no cookie, session or language choice leaks between tests."""
    context = browser.new_context(locale=LOCALE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
