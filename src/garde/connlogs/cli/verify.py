"""``garde connlogs verify|proof|prove-consistency|purge|head``."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from garde.connlogs.errors import ConnlogsNotFoundError, ConnlogsProofError
from garde.connlogs.heads import DB, head_latest, head_sign
from garde.connlogs.models import Entry, SignedHead
from garde.connlogs.purge import connlogs_purge
from garde.connlogs.verify import consistency_proof_between, inclusion_proof_for, verify

VERBS: tuple[str, ...] = ("verify", "proof", "prove-consistency", "purge", "head")


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser(
        "verify",
        help="recompute every segment and check every signed head and the chain",
        description="Re-encode and re-hash every entry, rebuild each segment's tree, check it "
        "against every signed head, the signatures, the chain of final heads, the sequence "
        "across segments and the purge records. Prints one line per problem naming the "
        "segment and the first entry that does not match, and exits with status 1 if any.",
    )
    check.add_argument("--from", type=date.fromisoformat, dest="start", metavar="YYYY-MM-DD")
    check.add_argument("--to", type=date.fromisoformat, dest="end", metavar="YYYY-MM-DD")
    proof = subparsers.add_parser(
        "proof",
        help="print an inclusion proof (JSON) of an entry",
        description="An RFC 9162 inclusion proof of entry SEQ against the latest signed head "
        "of its segment (a head is signed first if none covers the entry yet); see "
        "docs/connlogs.md for the verification algorithm.",
    )
    proof.add_argument("--entry", type=int, required=True, metavar="SEQ")
    consistency = subparsers.add_parser(
        "prove-consistency",
        help="print a consistency proof (JSON) between two signed heads of a segment",
        description="HEAD is either the id of a stored signed head (a number, as 'head' "
        "prints it) or a file holding a signed checkpoint note.",
    )
    consistency.add_argument("--old", required=True, metavar="HEAD")
    consistency.add_argument("--new", required=True, metavar="HEAD")
    subparsers.add_parser(
        "purge",
        help="purge the segments whose every entry is more than a year old",
        description="Delete whole segments whose youngest entry is more than one calendar year "
        "old, keeping their signed heads and writing a signed purge record for each. The daily "
        "retention sweep does the same.",
    )
    head = subparsers.add_parser(
        "head", help="print the latest signed checkpoint", description="Print its id, then it."
    )
    head.add_argument("--sign", action="store_true", help="sign a fresh head of the open segment")


def _note(reference: str) -> str:
    if reference.isdigit():
        head = SignedHead.objects.using(DB).filter(pk=int(reference)).first()
        if head is None:
            raise CommandError(f"no signed head {reference}")
        return head.note
    try:
        return Path(reference).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {reference}: {error.strerror}") from error


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    kind = options["kind"]
    try:
        if kind == "verify":
            _verify(command, options)
        elif kind == "proof":
            _proof(command, options["entry"])
        elif kind == "prove-consistency":
            result = consistency_proof_between(_note(options["old"]), _note(options["new"]))
            command.stdout.write(json.dumps(result, indent=2))
        elif kind == "purge":
            outcomes = connlogs_purge()
            for outcome in outcomes:
                command.stdout.write(
                    f"purged {outcome.day.isoformat()} ({outcome.entries} entries)"
                )
            command.stdout.write(f"{len(outcomes)} segment(s) purged")
        else:
            latest = head_sign() if options["sign"] else head_latest()
            if latest is None:
                raise CommandError("no signed head yet")
            command.stdout.write(f"id {latest.pk}")
            command.stdout.write(latest.note, ending="")
    except (ConnlogsNotFoundError, ConnlogsProofError) as error:
        raise CommandError(error.message) from error


def _verify(command: BaseCommand, options: dict[str, Any]) -> None:
    report = verify(start=options["start"], end=options["end"])
    for day in report.purged:
        command.stdout.write(f"segment {day.isoformat()}: purged (signed purge record)")
    for problem in report.problems:
        command.stdout.write(f"FAIL {problem}")
    summary = f"{report.segments} segment(s), {report.entries_checked} entries checked"
    if not report.ok:
        raise CommandError(f"{summary}: {len(report.problems)} problem(s)", returncode=1)
    command.stdout.write(f"{summary}: ok")


def _proof(command: BaseCommand, seq: int) -> None:
    try:
        result = inclusion_proof_for(seq)
    except ConnlogsProofError:
        entry = Entry.objects.using(DB).filter(seq=seq).first()
        if entry is None:
            raise
        head_sign(day=entry.segment_day)
        result = inclusion_proof_for(seq)
    command.stdout.write(json.dumps(result, indent=2))
