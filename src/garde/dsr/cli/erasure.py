"""``garde dsr`` verbs: erasure (being written)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand

VERBS: tuple[str, ...] = ()


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's verbs to ``subparsers``."""


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run the verb named by ``options["kind"]`` (or ``options["action"]``)."""
