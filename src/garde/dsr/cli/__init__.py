"""Verbs of ``garde dsr`` beyond the data map, one module each: ``access`` (access packages),
``erasure`` (``erase``, ``replay-erasures``), ``draft`` (``dataset draft``). Each module has
``add_arguments(subparsers)`` and ``handle(command, options)``; the management command
``garde.dsr.management.commands.dsr`` wires them in."""
