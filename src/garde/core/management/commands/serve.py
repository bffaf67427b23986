"""``garde serve``: migrate, collect static files, then serve with Granian and keep a
background worker running beside it, so one command runs everything."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve Garde: applies migrations, collects static files, starts Granian "
        "(production WSGI server) and one background worker in the same process tree."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("GARDE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("GARDE_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GARDE_WEB_WORKERS", "2")),
            help="web server worker processes (default: 2)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per web worker")
        parser.add_argument(
            "--access-log",
            action="store_true",
            default=os.environ.get("GARDE_ACCESS_LOG", "") in {"1", "true", "yes"},
            help="log one line per request on stdout, without the client's address (off by "
            "default: it costs about a fifth of the consent write rate, and the reverse proxy "
            "usually logs already)",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start a background worker (run `garde worker` apart)",
        )
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--demo", action="store_true", help="load demo data first")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("migrate", database="connlogs", interactive=False, verbosity=0)
        from garde.consent.own_site import own_site_ensure

        # Garde's own pages carry the cookie banner: their site must exist (also when the
        # migrations were applied apart, as on the web nodes of docs/operations.md).
        own_site_ensure()
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["demo"]:
            call_command("demo")
        stop = threading.Event()
        supervisor = threading.Thread(target=self._supervise_worker, args=(stop,), daemon=True)
        if not options["no_worker"]:
            supervisor.start()
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Garde is serving on http://{bind}/ (Ctrl+C to stop)")
        try:
            _run_web_server(
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                threads=options["threads"],
                access_log=options["access_log"],
            )
        finally:
            stop.set()
            if supervisor.is_alive():
                supervisor.join(timeout=15)

    def _supervise_worker(self, stop: threading.Event) -> None:
        """Keep one worker alive next to the web server; restart it if it dies."""
        command = [sys.executable, "-m", "garde", "worker"]
        while not stop.is_set():
            process = subprocess.Popen(command)  # noqa: S603 - our own interpreter and module
            while process.poll() is None:
                if stop.wait(1):
                    process.terminate()
                    try:
                        process.wait(10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                    return
            self.stderr.write(f"background worker exited ({process.returncode}); restarting")
            time.sleep(2)


# Granian's access-log fields, without the client's address: the consent and statistics
# endpoints promise that no visitor's IP is kept, and a log is a store too.
ACCESS_LOG_FORMAT = '[%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'


def _run_web_server(*, host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Serve the WSGI application with Granian until SIGINT or SIGTERM.

    Granian (HTTP in Rust, Python only for the application) replaced gunicorn: on the 2-core
    benchmark machine it answers the banner's consent writes at about 1,600/s on PostgreSQL
    where gunicorn's gthread workers managed about 850/s (docs/benchmarks.md)."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        target="garde.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,
        log_access=access_log,
        log_access_format=ACCESS_LOG_FORMAT,
        respawn_failed_workers=True,
        workers_kill_timeout=20,
    ).serve()
