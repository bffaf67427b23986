"""``garde dsr erase``, ``garde dsr replay-erasures`` and ``garde dsr receipt-key``: erase one
person's data by policy (dry run first, then apply on confirmation), apply the erasure journal
again after a backup is restored, and print the public key that checks erasure receipts."""

from __future__ import annotations

import argparse
from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from garde.core.errors import GardeError
from garde.dsr.choices import RunStatus
from garde.dsr.erasure import erasure_replay, erasure_run_create, erasure_run_execute
from garde.dsr.models import FulfilmentRun
from garde.dsr.receipts import key_id, public_key_pem

VERBS: tuple[str, ...] = ("erase", "replay-erasures", "receipt-key")


def _identity(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected TYPE=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _since(text: str) -> datetime:
    """An ISO date or date-time; a date means its midnight, a naive time the current zone."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date (2026-03-15) or a date-time (2026-03-15T10:30), got {text!r}"
        ) from None
    if len(text.strip()) <= len("2026-03-15"):
        parsed = datetime.combine(parsed.date(), time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's verbs to ``subparsers``."""
    erase = subparsers.add_parser(
        "erase",
        help="erase a person's data by policy (dry run, then apply on confirmation)",
        description="Find the person the identities name in every system of the data map and "
        "erase their data by the erasure policies (GDPR art. 17): per data category, set to "
        "null, a fixed string, a keyed hash, a random string, or delete the row. First prints "
        "exactly what would change (old values masked) and what is kept with its legal reason; "
        "with --dry-run stops there, otherwise asks for confirmation (unless --yes), applies, "
        "writes the erasure journal, signs a receipt and opens the art. 19 notification tasks. "
        "Exits with status 1 if any system failed (the rest is still erased).",
    )
    erase.add_argument(
        "--identity",
        action="append",
        required=True,
        type=_identity,
        dest="identities",
        metavar="TYPE=VALUE",
        help="an identity, e.g. email=person@example.org (repeatable)",
    )
    erase.add_argument(
        "--dry-run",
        action="store_true",
        dest="dry_run",
        help="show what would change; change nothing",
    )
    erase.add_argument("--yes", action="store_true", help="apply without asking for confirmation")
    erase.add_argument(
        "--language", choices=("fr", "en"), default="fr", help="language of the kept reasons"
    )

    replay = subparsers.add_parser(
        "replay-erasures",
        help="apply the erasure journal again after a backup is restored",
        description="Re-apply every erasure, rectification and deletion of the journal in "
        "order, through each system's connector, so that people erased since the backup do "
        "not come back. Idempotent. Exits with status 1 if an entry could not be applied "
        "(e.g. its system is down); run it again once fixed.",
    )
    replay.add_argument(
        "--since",
        type=_since,
        metavar="DATE",
        help="only entries applied from DATE on (the backup's date), e.g. 2026-03-15",
    )

    subparsers.add_parser(
        "receipt-key",
        help="print the public key that checks erasure receipts",
        description="Print Garde's Ed25519 public key (PEM) and its key id (SHA-256 of the raw "
        "key), to publish for anyone who wants to check a signed erasure receipt.",
    )


def _print_run(command: BaseCommand, run: FulfilmentRun, *, applied: bool) -> int:
    result: dict[str, Any] = run.result
    language = run.language
    for entry in result.get("collections", []):
        where = f"{entry['system']}/{entry['dataset']}/{entry['collection']}"
        rows = entry["rows_changed"] if applied else entry["rows"]
        if entry["action"] == "delete":
            command.stdout.write(f"{'deleted' if applied else 'delete'} {where}: {rows} row(s)")
        else:
            fields = ", ".join(f"{name} ({s})" for name, s in entry["strategies"].items())
            verb = "masked" if applied else "mask"
            command.stdout.write(f"{verb} {where}: {rows} row(s); {fields}")
        for row in entry.get("preview", []):
            key = ", ".join(f"{k}={v}" for k, v in row["primary_key"].items())
            changes = "; ".join(
                f"{name}: {change['old']} -> {change['new']}"
                for name, change in row["fields"].items()
            )
            command.stdout.write(f"    {key}: {changes}")
    for kept in result.get("kept", []):
        reason = kept["reason_en"] if language == "en" and kept["reason_en"] else kept["reason_fr"]
        basis = f" ({kept['legal_basis']})" if kept["legal_basis"] else ""
        fields = f" [{', '.join(kept['fields'])}]" if kept["fields"] else ""
        command.stdout.write(
            f"kept {kept['dataset']}/{kept['collection']}: {kept['rows']} row(s){fields}: "
            f"{reason}{basis}"
        )
    for failure in result.get("failures", []):
        command.stderr.write(
            f"FAILED {failure['dataset']}/{failure['collection']} ({failure['kind']}): "
            f"{failure['reason']}"
        )
    counts = result.get("counts", {})
    command.stdout.write(
        f"{'total' if applied else 'would change'}: {counts.get('rows_masked', 0)} row(s) "
        f"masked, {counts.get('rows_deleted', 0)} row(s) deleted"
    )
    return len(result.get("failures", []))


def _erase(command: BaseCommand, options: dict[str, Any]) -> None:
    identities: dict[str, str] = {}
    for name, value in options["identities"]:
        if name in identities:
            raise GardeError(f"identity '{name}' given twice", field=f"identities.{name}")
        identities[name] = value
    language = options["language"]
    preview = erasure_run_create(identities=identities, actor=None, dry_run=True, language=language)
    preview = erasure_run_execute(run=preview)
    if preview.status == RunStatus.FAILED:
        raise CommandError(f"run {preview.pk} failed: {preview.error}", returncode=1)
    command.stdout.write(f"dry run {preview.pk}: nothing changed yet")
    failed = _print_run(command, preview, applied=False)
    if options["dry_run"]:
        if failed:
            raise CommandError(f"{failed} collection(s) could not be read", returncode=1)
        return
    if not options["yes"]:
        try:
            answer = input("Apply this erasure? It cannot be undone. [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes", "o", "oui"):
            command.stdout.write("cancelled: nothing changed")
            return
    run = erasure_run_create(identities=identities, actor=None, dry_run=False, language=language)
    run = erasure_run_execute(run=run)
    if run.status == RunStatus.FAILED:
        raise CommandError(f"run {run.pk} failed: {run.error}", returncode=1)
    command.stdout.write(f"erasure {run.pk}: applied")
    failed = _print_run(command, run, applied=True)
    receipt = run.result.get("receipt")
    command.stdout.write(
        f"receipt {receipt} signed (key {key_id()[:16]}); "
        f"{run.notifications.count()} recipient notification task(s) opened"
    )
    if failed:
        raise CommandError(
            f"{failed} collection(s) could not be erased; run the erasure again once fixed",
            returncode=1,
        )


def _replay(command: BaseCommand, options: dict[str, Any]) -> None:
    report = erasure_replay(since=options.get("since"))
    for outcome in report.outcomes:
        verb = "delete" if outcome.deleted else "mask"
        where = f"#{outcome.sequence} {outcome.system}/{outcome.dataset}/{outcome.collection}"
        if outcome.ok:
            command.stdout.write(f"{where} {verb}: {outcome.rows_changed} row(s)")
        else:
            command.stderr.write(f"FAILED {where} {verb}: {outcome.error}")
    command.stdout.write(
        f"replayed {len(report.outcomes) - len(report.failures)} of {len(report.outcomes)} "
        f"journal entr{'y' if len(report.outcomes) == 1 else 'ies'}, "
        f"{report.rows_changed} row(s) changed"
    )
    if report.failures:
        raise CommandError(f"{len(report.failures)} entr(ies) failed", returncode=1)


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run the verb named by ``options["kind"]``."""
    kind = options["kind"]
    if kind == "erase":
        _erase(command, options)
    elif kind == "replay-erasures":
        _replay(command, options)
    else:
        command.stdout.write(public_key_pem(), ending="")
        command.stdout.write(f"key id: {key_id()}")
