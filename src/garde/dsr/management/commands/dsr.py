"""``garde dsr``: the data map of the fulfilment engine — import, export and list fideslang
datasets; add, test and list systems. Connection URLs are never printed (passwords masked)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from garde.core.errors import GardeError
from garde.dsr.choices import SystemType
from garde.dsr.cli import access as access_cli
from garde.dsr.cli import draft as draft_cli
from garde.dsr.cli import erasure as erasure_cli
from garde.dsr.errors import DatasetInvalidError
from garde.dsr.models import Dataset, DataSystem
from garde.dsr.services import dataset_import, system_add, system_test

SYSTEM_TYPES = [t for t in SystemType.values if t != SystemType.INTERNAL]


class Command(BaseCommand):
    help = (
        "The data map of the fulfilment engine. 'dataset import|export|list' handles Fides "
        "(fideslang) dataset YAML; 'system add|test|list' handles the data stores the datasets "
        "describe, with connection URLs encrypted at rest and never printed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = parser.add_subparsers(
            dest="kind",
            required=True,
            metavar="dataset|system|access|erase|replay-erasures|receipt-key",
        )

        dataset = kinds.add_parser(
            "dataset",
            help="import, export or list fideslang datasets",
            description="Fides dataset YAML (a top-level 'dataset:' list), read unchanged.",
        )
        dataset_actions = dataset.add_subparsers(dest="action", required=True, metavar="ACTION")
        imp = dataset_actions.add_parser(
            "import",
            help="validate and import a Fides dataset file (all or nothing)",
            description="Validate every dataset of the file (references, identities, data "
            "categories) and import them all, or nothing: each problem is printed as "
            "'file:line: element: message' and the command exits with status 1. A dataset "
            "whose fides_key is already imported is replaced.",
        )
        imp.add_argument("file", type=Path, help="the dataset YAML file")
        imp.add_argument("--system", help="name of the system the datasets describe")
        export = dataset_actions.add_parser(
            "export",
            help="write an imported dataset back as Fides YAML",
            description="Write the dataset as it was imported, to standard output or --output.",
        )
        export.add_argument("fides_key", help="the dataset's fides_key")
        export.add_argument("--output", type=Path, help="file to write (default: stdout)")
        draft_cli.add_arguments(dataset_actions)
        dataset_actions.add_parser(
            "list",
            help="list the imported datasets",
            description="One line per dataset: fides_key, system, collections, import time.",
        )

        system = kinds.add_parser(
            "system",
            help="add, test or list systems (data stores)",
            description="Systems are the data stores the engine reaches, one connection each.",
        )
        system_actions = system.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = system_actions.add_parser(
            "add",
            help="add a system with its connection URL (stored encrypted)",
            description="Add a system. The URL is encrypted at rest and never shown back. "
            "--dataset ties already imported datasets to it (repeatable).",
        )
        add.add_argument("name", help="a slug: lowercase letters, digits and hyphens")
        add.add_argument("--type", required=True, choices=SYSTEM_TYPES, dest="system_type")
        add.add_argument(
            "--url", required=True, help="connection URL, e.g. postgresql://user:pw@host/db"
        )
        add.add_argument(
            "--dataset",
            action="append",
            default=[],
            dest="datasets",
            metavar="FIDES_KEY",
            help="an imported dataset describing this system (repeatable)",
        )
        add.add_argument("--description", default="")
        test = system_actions.add_parser(
            "test",
            help="test a system's connection and record the result",
            description="Connect (read-only) and run SELECT 1, or the type's equivalent; "
            "exits with status 1 if the test fails.",
        )
        test.add_argument("name")
        system_actions.add_parser(
            "list",
            help="list the systems (passwords masked)",
            description="One line per system: name, type, masked URL, last test, datasets.",
        )
        access_cli.add_arguments(kinds)
        erasure_cli.add_arguments(kinds)

    def handle(self, *args: Any, **options: Any) -> None:
        kind, action = options["kind"], options.get("action")
        try:
            if kind in access_cli.VERBS:
                access_cli.handle(self, options)
            elif kind in erasure_cli.VERBS:
                erasure_cli.handle(self, options)
            elif kind == "dataset" and action in draft_cli.VERBS:
                draft_cli.handle(self, options)
            elif kind == "dataset":
                if action == "import":
                    self._dataset_import(options["file"], options["system"])
                elif action == "export":
                    self._dataset_export(options["fides_key"], options["output"])
                else:
                    self._dataset_list()
            elif action == "add":
                self._system_add(options)
            elif action == "test":
                self._system_test(options["name"])
            else:
                self._system_list()
        except DatasetInvalidError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was imported", returncode=1
            ) from error
        except GardeError as error:
            raise CommandError(error.message) from error

    def _system(self, name: str) -> DataSystem:
        system = DataSystem.objects.filter(name=name).first()
        if system is None:
            raise CommandError(f"no system named '{name}'")
        return system

    def _dataset_import(self, file: Path, system_name: str | None) -> None:
        system = self._system(system_name) if system_name else None
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from error
        datasets = dataset_import(text=text, filename=file.name, actor=None, system=system)
        for dataset in datasets:
            self.stdout.write(
                f"imported {dataset.fides_key} ({len(dataset.spec['collections'])} collections)"
            )

    def _dataset_export(self, fides_key: str, output: Path | None) -> None:
        dataset = Dataset.objects.filter(fides_key=fides_key).first()
        if dataset is None:
            raise CommandError(f"no dataset '{fides_key}'")
        if output is not None:
            output.write_text(dataset.yaml_text, encoding="utf-8")
        else:
            self.stdout.write(dataset.yaml_text, ending="")

    def _dataset_list(self) -> None:
        for dataset in Dataset.objects.select_related("system"):
            system = dataset.system.name if dataset.system is not None else "-"
            self.stdout.write(
                f"{dataset.fides_key}\tsystem={system}\t"
                f"collections={len(dataset.spec['collections'])}\t"
                f"imported={dataset.imported_at.isoformat(timespec='seconds')}"
            )

    def _system_add(self, options: dict[str, Any]) -> None:
        system = system_add(
            name=options["name"],
            type=options["system_type"],
            url=options["url"],
            actor=None,
            datasets=options["datasets"],
            description=options["description"],
        )
        self.stdout.write(f"added system {system.name} ({system.type})")

    def _system_test(self, name: str) -> None:
        system = system_test(system=self._system(name))
        if not system.last_test_ok:
            raise CommandError(f"{system.name}: failed: {system.last_test_message}", returncode=1)
        self.stdout.write(f"{system.name}: ok: {system.last_test_message}")

    def _system_list(self) -> None:
        for system in DataSystem.objects.prefetch_related("datasets"):
            if system.last_tested_at is None:
                tested = "never tested"
            else:
                state = "ok" if system.last_test_ok else "failed"
                tested = f"{state} at {system.last_tested_at.isoformat(timespec='seconds')}"
            keys = ",".join(d.fides_key for d in system.datasets.all()) or "-"
            self.stdout.write(
                f"{system.name}\t{system.type}\t{system.connection_display}\t{tested}\t"
                f"datasets={keys}"
            )
