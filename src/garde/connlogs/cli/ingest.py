"""``garde connlogs ingest`` and ``garde connlogs listen``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from garde.connlogs.ingest import IngestProgress, ingest_lines, ingest_parsed, parsed_problem
from garde.connlogs.listener import IDLE_SECONDS, MAX_CONNECTIONS
from garde.connlogs.parsers import PARSERS, LineRejected, ParsedLine

VERBS: tuple[str, ...] = ("ingest", "listen")


def host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - the operator's choice


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="ingest a log file (or standard input)",
        description="Parse FILE ('-' for standard input) in the given format and append every "
        "valid line to the connection-log store, in batches each committed before it is "
        "acknowledged: after each commit 'committed through line N' is printed on standard "
        "output (every accepted line up to N is durable). Progress goes to standard error. "
        "A rejected line is reported as 'line K: reason' and never stops the rest. Ends with "
        "'accepted N, rejected M'.",
    )
    ingest.add_argument("--format", required=True, choices=sorted(PARSERS), dest="fmt")
    ingest.add_argument("file", help="the log file, or '-' for standard input")
    ingest.add_argument(
        "--batch-size", type=int, default=5000, dest="batch_size", help="lines per commit"
    )
    listen = subparsers.add_parser(
        "listen",
        help="receive syslog (RFC 5424 / RFC 3164) over UDP and/or TCP",
        description="Listen for syslog messages and ingest them in batches, each committed "
        "before the next is read. Rejected messages are reported on standard error. Stops "
        "on SIGINT or SIGTERM after committing what it holds.",
    )
    listen.add_argument("--udp", type=host_port, metavar="HOST:PORT")
    listen.add_argument("--tcp", type=host_port, metavar="HOST:PORT")
    listen.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        help=f"open TCP connections at once; more are closed (default {MAX_CONNECTIONS})",
    )
    listen.add_argument(
        "--idle-timeout",
        type=float,
        default=IDLE_SECONDS,
        metavar="SECONDS",
        help=f"close a TCP connection silent this long (default {IDLE_SECONDS:g})",
    )


def _lines(handle: TextIO) -> Iterator[str]:
    for line in handle:
        yield line.rstrip("\r\n")


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    if options["kind"] == "ingest":
        _ingest(command, options)
    else:
        _listen(command, options)


def _ingest(command: BaseCommand, options: dict[str, Any]) -> None:
    name = options["file"]
    stderr = sys.stderr

    def progress(step: IngestProgress) -> None:
        command.stdout.write(f"committed through line {step.line}")
        command.stdout.flush()
        stderr.write(
            f"\r{step.line} lines read, {step.accepted} accepted, {step.rejected} rejected"
        )
        stderr.flush()

    try:
        handle_: TextIO = (
            sys.stdin
            if name == "-"
            else Path(name).open(encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
        )
    except OSError as error:
        raise CommandError(f"cannot read {name}: {error.strerror}") from error
    try:
        report = ingest_lines(
            fmt=options["fmt"],
            lines=_lines(handle_),
            source=name,
            batch_size=options["batch_size"],
            progress=progress,
        )
    finally:
        if handle_ is not sys.stdin:
            handle_.close()
    stderr.write("\n")
    for line, reason in report.rejected:
        command.stdout.write(f"line {line}: {reason}")
    seqs = f" (seq {report.first_seq}..{report.last_seq})" if report.first_seq is not None else ""
    command.stdout.write(f"accepted {report.accepted}, rejected {len(report.rejected)}{seqs}")


def _listen(command: BaseCommand, options: dict[str, Any]) -> None:
    from garde.connlogs.listener import serve

    if options["udp"] is None and options["tcp"] is None:
        raise CommandError("give --udp HOST:PORT, --tcp HOST:PORT or both")
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())

    def sink(batch: list[tuple[int, ParsedLine | LineRejected]]) -> None:
        items: list[ParsedLine] = []
        for number, outcome in batch:
            reason = (
                outcome.reason if isinstance(outcome, LineRejected) else parsed_problem(outcome)
            )
            if reason is not None:
                command.stderr.write(f"message {number}: {reason}")
            elif isinstance(outcome, ParsedLine):
                items.append(outcome)
        result = ingest_parsed(items, source="syslog")
        if result.accepted:
            command.stdout.write(f"committed seq {result.first_seq}..{result.last_seq}")

    if options["max_connections"] < 1 or options["idle_timeout"] <= 0:
        raise CommandError("--max-connections must be at least 1 and --idle-timeout positive")
    serve(
        udp=options["udp"],
        tcp=options["tcp"],
        sink=sink,
        stop=stop,
        max_connections=options["max_connections"],
        idle_seconds=options["idle_timeout"],
    )
