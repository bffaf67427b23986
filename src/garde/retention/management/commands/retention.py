"""``garde retention``: apply the published register's retention rules, or report past sweeps."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from garde.core.errors import GardeError
from garde.retention.choices import RuleOutcome
from garde.retention.models import DeletionLog, SweepRun
from garde.retention.selectors import sweep_report
from garde.retention.services import retention_sweep


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def sweep_lines(sweep: SweepRun, logs: list[DeletionLog]) -> list[str]:
    """The report of one sweep: a heading, then one line per published rule."""
    kind = "dry run" if sweep.dry_run else "sweep"
    erased = "would erase" if sweep.dry_run else "erased"
    version = f"register v{sweep.register_version}" if sweep.register_version else "no register"
    lines = [
        f"{kind} #{sweep.pk} started {_when(sweep.started_at)} {sweep.status} ({version}): "
        f"{erased} {sweep.erased_count}, held {sweep.held_count}"
    ]
    if sweep.error:
        lines.append(f"  error: {sweep.error}")
    if sweep.register_version is None:
        lines.append("  no published register: nothing to enforce")
    for log in logs:
        head = f"  {log.rule_key} [{log.store or '-'}]"
        if log.outcome != RuleOutcome.ENFORCED:
            lines.append(f"{head} {log.note}")
            continue
        line = (
            f"{head} cut-off {_when(log.cutoff)}: {erased} {log.erased_count}"
            f" (from {_when(log.anchor_min)} to {_when(log.anchor_max)}), held {log.held_count}"
        )
        lines.append(line)
        for held in log.held_reasons:
            lines.append(
                f"    held by hold #{held['hold']} ({held['legal_basis']}): "
                f"{held['count']} - {held['reason']}"
            )
        if log.identifiers_sha256:
            lines.append(f"    sha256 of erased ids: {log.identifiers_sha256}")
        if log.note:
            lines.append(f"    note: {log.note}")
    return lines


class Command(BaseCommand):
    help = (
        "Apply the retention rules of the latest published register (run), or print what "
        "past sweeps did (report). The worker runs a sweep every day."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{run,report}")
        run = actions.add_parser(
            "run",
            help="erase what the published rules have made due, except what legal holds keep",
            description=(
                "Sweep every store whose published retention rule has a handler, then print, "
                "per rule: store, cut-off, erased count, held count and reasons, or why the "
                "rule is not enforced."
            ),
        )
        run.add_argument(
            "--dry-run", action="store_true", help="count what would be erased; erase nothing"
        )
        run.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="records per batch (default: each handler's own, 1000)",
        )
        report = actions.add_parser(
            "report",
            help="print the latest sweeps and their deletion logs",
            description="Print the latest sweeps, newest first, with one line per rule.",
        )
        report.add_argument(
            "--limit", type=int, default=5, help="how many sweeps to print (default: 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "run":
            batch_size = options["batch_size"]
            if batch_size is not None and batch_size < 1:
                raise CommandError("--batch-size must be at least 1")
            try:
                sweep = retention_sweep(dry_run=options["dry_run"], batch_size=batch_size)
            except GardeError as error:
                raise CommandError(error.message) from error
            self.stdout.write("\n".join(sweep_lines(sweep, list(sweep.logs.order_by("id")))))
            return
        report = sweep_report(limit=options["limit"])
        if not report:
            self.stdout.write("no sweep yet")
            return
        self.stdout.write("\n\n".join("\n".join(sweep_lines(s, logs)) for s, logs in report))
