"""The ``garde`` command: Garde's own verbs, plus every Django management command.

Verbs are stable; ``garde VERB --help`` describes each one.
"""

from __future__ import annotations

import os
import sys

VERBS = {
    "serve": "apply migrations, then serve the web app (Granian) with a background worker",
    "worker": "run background tasks (Django Tasks, database backend)",
    "migrate": "create or update the database tables (main store and connection-log store)",
    "demo": "load idempotent demo data and print the demo log-ins",
    "createadmin": "create an operator staff account (DPO by default)",
    "register": "the register of processing: load-default, publish, export --format csv|json|pdf",
    "dsr": "the fulfilment engine's data map: dataset import|export|list, system add|test|list",
    "retention": "apply the published retention rules (run [--dry-run]) or report past sweeps",
    "check": "check the configuration (add --deploy for production checks)",
}


def usage() -> str:
    lines = ["usage: garde VERB [options]", "", "verbs:"]
    lines += [f"  {verb:<12} {text}" for verb, text in VERBS.items()]
    lines += ["", "garde VERB --help describes a verb. Other Django management commands work too."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "garde.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help", "help"}:
        print(usage())
        return
    if argv[1] == "--version":
        from garde import __version__

        print(__version__)
        return
    from django.core.management import execute_from_command_line

    if argv[1] == "migrate" and not any(a.startswith("--database") for a in argv[2:]):
        execute_from_command_line(["garde", "migrate", *argv[2:]])
        execute_from_command_line(["garde", "migrate", "--database", "connlogs", *argv[2:]])
        return
    execute_from_command_line(["garde", *argv[1:]])


if __name__ == "__main__":
    main()
