"""``garde register``: load the default register, publish the working register, export a
published version (CSV, JSON or PDF)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from garde.core.errors import GardeError
from garde.register.choices import ProcessingRole
from garde.register.exports import register_to_csv, register_to_json, register_to_pdf
from garde.register.models import RegisterVersion
from garde.register.selectors import register_version_get, register_version_latest

FORMATS = ("csv", "json", "pdf")


class Command(BaseCommand):
    help = (
        "The register of processing (GDPR art. 30). 'load-default' seeds the operator's "
        "register from its published policy and publishes version 1 (safe to run again); "
        "'publish' freezes the working register into a new numbered version; 'export' writes a "
        "published version as CSV, JSON or PDF."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "load-default",
            help="seed the default register (idempotent) and publish version 1",
            description="Create the vocabularies and one activity per processing of the "
            "operator's published policy, then publish version 1 if nothing was ever "
            "published. Existing rows are left as they are.",
        )
        publish = actions.add_parser(
            "publish",
            help="publish the working register as a new version",
            description="Freeze the working register (active activities and the operator "
            "profile) into the next numbered, dated version. The public notice and the "
            "retention sweeps follow the latest version.",
        )
        publish.add_argument("--note", default="", help="what changes in this version")
        export = actions.add_parser(
            "export",
            help="export a published version as CSV, JSON or PDF",
            description="Write a published version of the register. CSV and JSON go to "
            "standard output unless --output is given; PDF (the CNIL's model register layout) "
            "goes to --output, or as bytes to standard output.",
        )
        export.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        export.add_argument(
            "--version",
            type=int,
            dest="number",
            help="version number (default: the latest published version)",
        )
        export.add_argument(
            "--role",
            choices=ProcessingRole.values,
            help="CSV only: keep the controller or the processor register",
        )
        export.add_argument("--output", type=Path, help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load-default":
            self._load_default()
        elif action == "publish":
            self._publish(note=options["note"])
        else:
            self._export(
                fmt=options["fmt"],
                number=options["number"],
                role=options["role"],
                output=options["output"],
            )

    def _load_default(self) -> None:
        # Imported here: the default register is maintained in its own package.
        from garde.register.defaults import register_load_default

        version = register_load_default()
        self.stdout.write(
            f"default register loaded; latest published version: {version.number} "
            f"({len(version.snapshot['activities'])} activities)"
        )

    def _publish(self, *, note: str) -> None:
        from garde.register.services.publishing import register_publish

        try:
            version = register_publish(actor=None, note=note)
        except GardeError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"published version {version.number} ({len(version.snapshot['activities'])} activities)"
        )

    def _version(self, number: int | None) -> RegisterVersion:
        version = (
            register_version_latest() if number is None else register_version_get(number=number)
        )
        if version is None:
            raise CommandError(
                "no published version of the register"
                if number is None
                else f"no published version {number}"
            )
        return version

    def _export(
        self, *, fmt: str, number: int | None, role: str | None, output: Path | None
    ) -> None:
        version = self._version(number)
        if fmt == "pdf":
            content = register_to_pdf(
                version.snapshot, version_number=version.number, published_at=version.published_at
            )
            if output is not None:
                output.write_bytes(content)
            else:
                sys.stdout.buffer.write(content)
                sys.stdout.buffer.flush()
            return
        if fmt == "csv":
            text = register_to_csv(
                version.snapshot,
                role,
                version_number=version.number,
                published_at=version.published_at,
            )
        else:
            text = register_to_json(
                version.snapshot, version_number=version.number, published_at=version.published_at
            )
        if output is not None:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
