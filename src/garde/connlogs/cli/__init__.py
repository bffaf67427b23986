"""Verbs of ``garde connlogs``, one module each: ``ingest`` (``ingest``, ``listen``), ``verify``
(``verify``, ``proof``, ``prove-consistency``, ``purge``, ``head``), ``query`` (``query``,
``export``). Each module has ``VERBS``, ``add_arguments(subparsers)`` and
``handle(command, options)``; ``garde.connlogs.management.commands.connlogs`` wires them in."""
