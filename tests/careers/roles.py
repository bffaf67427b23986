"""Rows of the role matrix (tests/test_role_matrix.py) for the careers app's URLs."""

from __future__ import annotations

EXPECTED: dict[str, str | set[str]] = {}
SAMPLE_KWARGS: dict[str, object] = {}
