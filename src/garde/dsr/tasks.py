"""Background work of the fulfilment engine. Tasks take a run id, load it and call the service
that executes it; running one twice does nothing the second time (only a queued run starts)."""

from __future__ import annotations

from django_tasks import task

from garde.dsr.choices import RunKind, RunStatus
from garde.dsr.models import FulfilmentRun


@task()
def dsr_run_task(run_id: int) -> str:
    """Execute a queued access or erasure run; returns its final status."""
    run = FulfilmentRun.objects.filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        return "skipped"
    if run.kind == RunKind.ACCESS:
        from garde.dsr.access import access_run_execute

        run = access_run_execute(run=run)
    elif run.kind == RunKind.ERASURE:
        from garde.dsr.erasure import erasure_run_execute

        run = erasure_run_execute(run=run)
    else:
        return "skipped"
    return str(run.status)
