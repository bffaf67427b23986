"""Register fixtures: the operator's published policy (the seed the notice must follow), the
default register published on a known date, and a reader for rendered pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from garde.accounts.models import User
from garde.register.defaults import register_load_default
from garde.register.models import RegisterVersion

PARIS = ZoneInfo("Europe/Paris")
FIRST_PUBLICATION = datetime(2026, 3, 15, 10, 30, tzinfo=PARIS)
# The shared folder sits next to the repository (ARCHITECTURE.md: "../shared/seed/").
SEED_POLICY = Path(__file__).resolve().parents[2].parent / "shared/seed/000_61484cf236786941.txt"


def seed_section_headings() -> list[str]:
    """The all-caps lines of the published policy after its title, in order."""
    if not SEED_POLICY.exists():
        pytest.skip(f"the operator's policy is not at {SEED_POLICY}")
    lines = [line.strip() for line in SEED_POLICY.read_text(encoding="utf-8").splitlines()]
    capitals = [line for line in lines if re.search(r"[A-Z]", line) and line == line.upper()]
    return capitals[1:]  # the first one is the policy's title


class RenderedPage(HTMLParser):
    """The visible text of a rendered page, and the text of its h1 and h2 headings."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.h2: list[str] = []
        self._chunks: list[str] = []
        self._heading: str | None = None
        self._heading_text: list[str] = []
        self.feed(html)
        self.text = re.sub(r"\s+", " ", " ".join(self._chunks)).strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"h1", "h2"}:
            self._heading, self._heading_text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            text = re.sub(r"\s+", " ", "".join(self._heading_text)).strip()
            (self.h1 if tag == "h1" else self.h2).append(text)
            self._heading = None

    def handle_data(self, data: str) -> None:
        self._chunks.append(data)
        if self._heading:
            self._heading_text.append(data)


@pytest.fixture
def read_page() -> Callable[[bytes], RenderedPage]:
    return lambda content: RenderedPage(content.decode())


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo")


@pytest.fixture
def published(db: None) -> RegisterVersion:
    """The default register, published as version 1 on 15/03/2026."""
    with time_machine.travel(FIRST_PUBLICATION, tick=False):
        return register_load_default()
