"""``garde dsr dataset draft SYSTEM`` (a fideslang dataset proposed from a database's schema and
a few sampled values, for a person to review) and ``garde dsr dataset builtin`` (Garde's own
stores as the built-in system ``garde``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

VERBS: tuple[str, ...] = ("draft", "builtin")


def add_arguments(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``draft`` and ``builtin`` to the ``dataset`` actions."""
    from garde.dsr.draft import SAMPLE_DEFAULT

    draft = subparsers.add_parser(
        "draft",
        help="propose a dataset by introspecting a system's schema (to review before import)",
        description="Read the tables, columns, types, primary and foreign keys of a PostgreSQL, "
        "MySQL/MariaDB or SQLite system and write a fideslang dataset: data categories guessed "
        "from column names and from a few sampled values (e-mail, phone, IP, IBAN), foreign "
        "keys as references, e-mail columns as identities. Sampled values are only used to "
        "guess, never printed or written. The draft is marked for review; import it with "
        "'garde dsr dataset import' once checked.",
    )
    draft.add_argument("system", help="name of a system added with 'garde dsr system add'")
    draft.add_argument("--output", type=Path, help="file to write (default: stdout)")
    draft.add_argument(
        "--sample",
        type=int,
        default=SAMPLE_DEFAULT,
        metavar="N",
        help=f"values sampled per text column to guess categories (default {SAMPLE_DEFAULT}; "
        "0 guesses from names only)",
    )
    draft.add_argument("--fides-key", dest="fides_key", help="the dataset's key (default: SYSTEM)")
    subparsers.add_parser(
        "builtin",
        help="create the built-in system 'garde' and import Garde's own datasets",
        description="Create (or update) the internal system 'garde' and import every built-in "
        "dataset describing Garde's own stores (accounts, requests, ...). Idempotent.",
    )


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run ``dataset draft`` or ``dataset builtin``."""
    if options["action"] == "builtin":
        _builtin(command)
    else:
        _draft(command, options)


def _builtin(command: BaseCommand) -> None:
    from garde.dsr.builtin import BUILTIN_SYSTEM, builtin_sync

    datasets = builtin_sync(actor=None)
    command.stdout.write(f"system {BUILTIN_SYSTEM} (internal)")
    for dataset in datasets:
        command.stdout.write(
            f"{dataset.fides_key} ({len(dataset.spec['collections'])} collections)"
        )


def _draft(command: BaseCommand, options: dict[str, Any]) -> None:
    from garde.dsr.draft import dataset_draft
    from garde.dsr.models import DataSystem

    system = DataSystem.objects.filter(name=options["system"]).first()
    if system is None:
        raise CommandError(f"no system named '{options['system']}'")
    if options["sample"] < 0:
        raise CommandError("--sample must be 0 or more")
    draft = dataset_draft(
        system=system, fides_key=options["fides_key"], sample=options["sample"], actor=None
    )
    output: Path | None = options["output"]
    if output is not None:
        output.write_text(draft.yaml_text, encoding="utf-8")
        command.stderr.write(
            f"wrote {output}: {len(draft.spec.collections)} collections"
            + (f", {len(draft.left_out)} tables left out (see the file)" if draft.left_out else "")
            + "; review before import"
        )
    else:
        command.stdout.write(draft.yaml_text, ending="")
