"""``garde demo``: load demo data (idempotent) and print the demo log-ins."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from garde.accounts.demo import current_codes
from garde.core.demo import demo_load_all


class Command(BaseCommand):
    help = (
        "Load demo data: the operator 'inherent' with one staff user per role and two "
        "client organisations. Safe to run again. --codes prints the current TOTP codes of "
        "the demo staff."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--codes",
            action="store_true",
            help="print the current TOTP code of each demo staff account",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lines = current_codes() if options["codes"] else demo_load_all()
        self.stdout.write("\n".join(lines))
