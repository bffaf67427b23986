"""garde-stats.js stays tiny and self-contained, and has no way to store anything in the
browser (LEGAL-RULES R-57: no identifier, no tracker)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import garde.consent

SCRIPT = Path(garde.consent.__file__).resolve().parent / "static" / "consent" / "garde-stats.js"
LIMIT = 1024


def test_r_57_the_stats_script_weighs_at_most_1_kb_gzipped() -> None:
    # when
    size = len(gzip.compress(SCRIPT.read_bytes(), compresslevel=9, mtime=0))
    # The figure recorded in docs/benchmarks.md (pytest -s shows it).
    print(f"garde-stats.js gzipped: {size} B")  # noqa: T201
    # then
    assert 0 < size <= LIMIT


def test_r_57_the_stats_script_has_no_dependency_and_touches_no_storage() -> None:
    # given: the code without its comments
    source = SCRIPT.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.DOTALL)
    # then
    assert [line for line in code.splitlines() if line.lstrip().startswith("import ")] == []
    for forbidden in ("document.cookie", "localStorage", "sessionStorage", "indexedDB", "require("):
        assert forbidden not in code
    assert "credentials: 'omit'" in code
