"""``garde connlogs query | export | verify-export``: administrators' reads of the connection
logs from the command line.

The operator. Whoever runs ``garde`` already has the server's files, so the command line cannot
authenticate anyone; it asks who is answering for the read instead: ``--operator EMAIL`` names
an active Garde account holding the ``sysadmin`` role, which becomes the actor of the audit event
(the same rule as in the console), and the operating-system user running the command is recorded
next to it (``os_user``). Without a sysadmin operator or without ``--reason`` nothing is read.

Times. ``--from`` and ``--to`` take a date (``2025-03-01``) or an RFC 3339 / ISO 8601 time; a time
without an offset is UTC. ``--from`` is inclusive; ``--to`` is exclusive for a time and
*inclusive* for a date (the whole day: ``--to 2025-03-01`` stops at 2025-03-02T00:00Z).
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from garde.accounts.models import User
from garde.connlogs.export import connlog_export, export_verify
from garde.connlogs.queries import LIMIT_MAX, connlog_query
from garde.core.errors import GardeError

VERBS: tuple[str, ...] = ("query", "export", "verify-export")


def time_bound(*, end: bool) -> Any:
    """An argparse type: a date or a time, as an aware UTC datetime (see the module docstring)."""

    def parse(text: str) -> datetime:
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=UTC)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a date (YYYY-MM-DD) or an ISO 8601 time, got {text!r}"
            ) from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    return parse


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason",
        required=True,
        help="why the logs are read, e.g. the requisition reference (recorded in the audit trail)",
    )
    parser.add_argument(
        "--operator",
        required=True,
        metavar="EMAIL",
        help="the Garde account, with the sysadmin role, answering for this read",
    )
    parser.add_argument("--account", help="account identifier (exact)")
    parser.add_argument(
        "--ip", metavar="ADDR|CIDR", help="source address, or a network such as 10.1.0.0/16"
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=time_bound(end=False),
        metavar="DATE|TIME",
        help="connections at or after (a date means its midnight UTC)",
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=time_bound(end=True),
        metavar="DATE|TIME",
        help="connections before this time, or up to the end of this date (UTC)",
    )


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``query``, ``export`` and ``verify-export`` to ``subparsers``."""
    query = subparsers.add_parser(
        "query",
        help="print the entries matching a filter (sysadmin operator and reason required)",
        description="Print the matching entries, oldest first, one per line (tab-separated: "
        "seq, ts, service, event, account, ip, port, session), then 'N of TOTAL entries'. "
        "The read is recorded in the audit trail with the reason, the filter and the number "
        "of rows.",
    )
    _filters(query)
    query.add_argument("--limit", type=int, default=100, help=f"rows (1 to {LIMIT_MAX})")
    query.add_argument("--offset", type=int, default=0, help="rows to skip")
    query.add_argument("--json", action="store_true", help="print one JSON object per entry")

    export = subparsers.add_parser(
        "export",
        help="write the matching entries as CSV with a signed manifest (for a requisition)",
        description="Write every matching entry into FILE.csv (columns: seq, ts, service, "
        "event, account, ip, port, session, leaf_hash) and FILE.csv.manifest.json: the file's "
        "SHA-256, row count, filter, reason, operator and time, signed with Garde's Ed25519 "
        "key. Check it with 'garde connlogs verify-export FILE.csv'.",
    )
    _filters(export)
    export.add_argument("--out", type=Path, required=True, metavar="FILE.csv")

    verify = subparsers.add_parser(
        "verify-export",
        help="check an export against its signed manifest",
        description="Check the manifest's signature (Garde's public key), then the CSV's "
        "SHA-256, size and row count. Exits with status 1 and names each problem otherwise.",
    )
    verify.add_argument("file", type=Path, metavar="FILE.csv")
    verify.add_argument("--manifest", type=Path, help="default: FILE.csv.manifest.json")


def operator_get(email: str) -> User:
    operator = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if operator is None:
        raise CommandError(f"no active Garde account {email!r}")
    return operator


def os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _query(command: BaseCommand, options: dict[str, Any]) -> None:
    result = connlog_query(
        actor=operator_get(options["operator"]),
        reason=options["reason"],
        account=options.get("account"),
        ip=options.get("ip"),
        start=options.get("start"),
        end=options.get("end"),
        limit=options["limit"],
        offset=options["offset"],
        extra={"channel": "cli", "os_user": os_user()},
    )
    for entry in result.rows:
        fields = {
            "seq": entry.seq,
            "ts": entry.ts.astimezone(UTC).isoformat(),
            "service": entry.service,
            "event": entry.event,
            "account": entry.account,
            "ip": entry.ip,
            "port": entry.port,
            "session": entry.session,
        }
        if options["json"]:
            command.stdout.write(json.dumps(fields, ensure_ascii=False))
        else:
            command.stdout.write("\t".join(_cell(v) for v in fields.values()))
    command.stderr.write(f"{len(result.rows)} of {result.total} entries")


def _export(command: BaseCommand, options: dict[str, Any]) -> None:
    out: Path = options["out"]
    manifest = connlog_export(
        actor=operator_get(options["operator"]),
        reason=options["reason"],
        out=out,
        account=options.get("account"),
        ip=options.get("ip"),
        start=options.get("start"),
        end=options.get("end"),
        os_user=os_user(),
    )
    command.stdout.write(
        f"wrote {manifest['rows']} entries to {out} (sha256 {manifest['sha256']}) "
        f"and the signed manifest {out}.manifest.json"
    )


def _verify_export(command: BaseCommand, options: dict[str, Any]) -> None:
    check = export_verify(options["file"], manifest_path=options.get("manifest"))
    if not check.ok:
        for problem in check.problems:
            command.stderr.write(f"FAILED {problem}")
        raise CommandError("the export does not match its signed manifest", returncode=1)
    command.stdout.write(
        f"OK {options['file']}: {check.manifest['rows']} rows, sha256 "
        f"{check.manifest['sha256']}, signed by key {check.manifest['key_id']}"
    )


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run the verb named by ``options["kind"]``; a refusal becomes a CommandError (status 1)."""
    verb = options["kind"]
    try:
        if verb == "query":
            _query(command, options)
        elif verb == "export":
            _export(command, options)
        else:
            _verify_export(command, options)
    except GardeError as error:
        where = f" ({error.field})" if error.field else ""
        raise CommandError(f"{error.message}{where}", returncode=1) from None
