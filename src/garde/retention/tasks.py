"""Background work of the retention engine. The daily sweep is idempotent: a second run
erases nothing the first one left, and a run that meets another in progress stands down."""

from __future__ import annotations

from django_tasks import task

from garde.retention.choices import SweepTrigger
from garde.retention.errors import SweepAlreadyRunningError
from garde.retention.services import retention_sweep


@task()
def retention_sweep_daily() -> dict[str, int | str]:
    try:
        sweep = retention_sweep(trigger=SweepTrigger.SCHEDULE)
    except SweepAlreadyRunningError:
        return {"skipped": "a sweep is already running"}
    return {"sweep": sweep.pk, "erased": sweep.erased_count, "held": sweep.held_count}
