"""Demo data loaders. Each app adds a dotted path to ``DEMO_LOADERS``; a loader is idempotent
and returns lines to print (log-ins, URLs)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

DEMO_LOADERS: list[str] = [
    "garde.accounts.demo.load",
    "garde.register.defaults.demo_load",
    "garde.dsr.builtin.demo_load",
    "garde.consent.demo.demo_load",
    "garde.careers.demo.careers_demo",
    "garde.consent.own_site.demo_load",
]


def demo_load_all() -> list[str]:
    lines: list[str] = []
    for path in DEMO_LOADERS:
        loader: Callable[[], list[str]] = import_string(path)
        lines += loader()
    return lines
