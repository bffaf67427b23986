"""``garde serve``: migrate, collect static files, then serve with gunicorn and keep a
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
        "Serve Garde: applies migrations, collects static files, starts gunicorn "
        "(production WSGI server) and one background worker in the same process tree."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("GARDE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("GARDE_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GARDE_WEB_WORKERS", "2")),
            help="gunicorn worker processes (default: 2)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per web worker")
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

            # Garde's own pages carry the cookie banner: their site must exist.
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
            _run_gunicorn(bind=bind, workers=options["workers"], threads=options["threads"])
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


def _run_gunicorn(*, bind: str, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from garde.wsgi import application

    class GardeServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            config = {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                # No client address, user agent or referrer: the consent and statistics
                # endpoints promise that no visitor's IP is kept, and a log is a store too.
                "access_log_format": '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
                "timeout": 60,
                "graceful_timeout": 20,
                "forwarded_allow_ips": "127.0.0.1",
            }
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    GardeServer().run()
