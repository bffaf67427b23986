"""``garde connlogs``: the connection-log store — ingest, listen, verify, proofs, purge, heads,
and (when present) administrator queries and requisition exports."""

from __future__ import annotations

from argparse import ArgumentParser
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from garde.connlogs.cli import ingest as ingest_cli
from garde.connlogs.cli import verify as verify_cli
from garde.core.errors import GardeError


def _modules() -> list[ModuleType]:
    modules: list[ModuleType] = [ingest_cli, verify_cli]
    try:
        from garde.connlogs.cli import query as query_cli
    except ImportError:  # the query verbs are optional
        return modules
    modules.append(query_cli)
    return modules


class Command(BaseCommand):
    help = (
        "The connection-log store: ingest files or syslog, verify the Merkle trees and signed "
        "heads, print inclusion and consistency proofs, purge segments over a year old."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="VERB")
        for module in _modules():
            module.add_arguments(kinds)

    def handle(self, *args: Any, **options: Any) -> None:
        for module in _modules():
            if options["kind"] in module.VERBS:
                try:
                    module.handle(self, options)
                except GardeError as error:
                    raise CommandError(error.message) from error
                return
        raise CommandError(f"unknown verb {options['kind']}")
