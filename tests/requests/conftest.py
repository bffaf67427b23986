"""Request tests write their encrypted attachments under a private area of their own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_dir(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir()
    settings.PRIVATE_DIR = private  # type: ignore[attr-defined]
    return private
