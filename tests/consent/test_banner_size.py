"""The banner must stay light: at most 8 KB gzipped, script and styles together
(tarteaucitron.js weighs about 60 KB gzipped, Orejime about 15 KB)."""

from __future__ import annotations

import gzip
from pathlib import Path

import garde.consent

STATIC = Path(garde.consent.__file__).resolve().parent / "static" / "consent"
LIMIT = 8192


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def test_banner_script_and_styles_weigh_at_most_8_kb_gzipped() -> None:
    # given
    script = STATIC / "garde-consent.js"
    styles = STATIC / "garde-consent.css"

    # when
    sizes = {"js": gzipped_size(script), "css": gzipped_size(styles)}
    total = sum(sizes.values())
    # The figure recorded in docs/benchmarks.md (pytest -s shows it).
    print(f"garde-consent gzipped: js={sizes['js']} B, css={sizes['css']} B, total={total} B")  # noqa: T201

    # then
    assert sizes["js"] > 0
    assert sizes["css"] > 0
    assert total <= LIMIT


def test_banner_script_has_no_dependency() -> None:
    # given
    source = (STATIC / "garde-consent.js").read_text(encoding="utf-8")

    # when
    imports = [
        line for line in source.splitlines() if line.lstrip().startswith(("import ", "require("))
    ]

    # then
    assert imports == []
    assert "document.write" not in source
