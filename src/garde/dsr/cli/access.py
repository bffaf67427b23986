"""``garde dsr access``: find one person's data across the data map and produce the access
package — written unencrypted into ``--out DIR`` for the operator, or stored encrypted as a run
to review and release from the console."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from garde.core.errors import GardeError
from garde.dsr.access import access_export, access_run_create, access_run_execute
from garde.dsr.choices import RunStatus
from garde.dsr.models import AccessPackage

VERBS: tuple[str, ...] = ("access",)


def identity_pair(text: str) -> tuple[str, str]:
    """``TYPE=VALUE`` -> (type, value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected TYPE=VALUE, got {text!r}")
    return name.strip(), value.strip()


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's verbs to ``subparsers``."""
    access = subparsers.add_parser(
        "access",
        help="find a person's data and produce the access package",
        description="Search every system of the data map for the person the identities name "
        "(GDPR art. 15 and 20). With --out, write data.json, one CSV per collection and "
        "index.html (the report, with what art. 15 requires from the register) into DIR, "
        "unencrypted; without it, store the package encrypted as a run to review and release "
        "from the console, and print the run id. Prints the rows found per collection and "
        "what failed; exits with status 1 if any collection could not be read (what was "
        "found is still written).",
    )
    access.add_argument(
        "--identity",
        action="append",
        required=True,
        type=identity_pair,
        dest="identities",
        metavar="TYPE=VALUE",
        help="an identity, e.g. email=person@example.org or loyalty_id=CH-1 (repeatable); "
        "types are those the imported datasets declare",
    )
    access.add_argument("--out", type=Path, metavar="DIR", help="write the files into DIR")
    access.add_argument(
        "--language", choices=("fr", "en"), default="fr", help="language of index.html"
    )
    access.add_argument(
        "--time-budget",
        type=float,
        dest="time_budget",
        metavar="S",
        help="seconds the search may take (default: GARDE_DSR_TIME_BUDGET_SECONDS)",
    )


def _print_summary(command: BaseCommand, summary: dict[str, Any]) -> int:
    for system, datasets in summary["counts"].items():
        for dataset, collections in datasets.items():
            for collection, count in collections.items():
                command.stdout.write(f"{system}/{dataset}/{collection}: {count}")
    for failure in summary["failures"]:
        command.stderr.write(
            f"FAILED {failure['system']}/{failure['dataset']}/{failure['collection']} "
            f"({failure['kind']}): {failure['reason']}"
        )
    command.stdout.write(f"{summary['rows']} row(s) in {summary['collections']} collection(s)")
    return len(summary["failures"])


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run the verb named by ``options["kind"]``."""
    identities: dict[str, str] = {}
    for name, value in options["identities"]:
        if name in identities:
            raise GardeError(f"identity '{name}' given twice", field=f"identities.{name}")
        identities[name] = value
    out: Path | None = options.get("out")
    if out is not None:
        export = access_export(
            identities=identities,
            out_dir=out,
            actor=None,
            language=options["language"],
            time_budget_s=options.get("time_budget"),
        )
        failed = _print_summary(command, export.summary)
        command.stdout.write(f"wrote {len(export.paths)} file(s) into {out}")
    else:
        run = access_run_create(identities=identities, actor=None, language=options["language"])
        run = access_run_execute(run=run, time_budget_s=options.get("time_budget"))
        if run.status == RunStatus.FAILED:
            raise CommandError(f"run {run.pk} failed: {run.error}", returncode=1)
        failed = _print_summary(command, run.result)
        package = AccessPackage.objects.get(run=run)
        command.stdout.write(
            f"run {run.pk}: package stored encrypted, to review and release; it expires on "
            f"{timezone.localdate(package.expires_at).isoformat()}"
        )
    if failed:
        raise CommandError(
            f"{failed} collection(s) could not be read; what was found is in the package",
            returncode=1,
        )
