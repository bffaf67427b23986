"""``garde worker``: run background tasks and schedule periodic jobs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from garde.core.schedule import start_scheduler


class Command(BaseCommand):
    help = (
        "Run background tasks from the database queue. Several workers, on several "
        "machines, may run at once. Also enqueues periodic jobs (retention sweep, ...)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue", default="*", help="queues to run, comma-separated (default: all)"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between polls when idle (default: 1)",
        )
        parser.add_argument(
            "--batch", action="store_true", help="run every task already queued, then exit"
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="exit after this many tasks"
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="do not enqueue periodic jobs from this worker",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_schedule"] and not options["batch"]:
            start_scheduler()
        worker = Worker(
            queue_names=options["queue"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
