"""Refusals of the retention engine."""

from __future__ import annotations

from garde.core.errors import GardeError


class SweepAlreadyRunningError(GardeError):
    """Another real sweep is in progress; retry when it has finished."""

    code = "sweep_running"
    status = 409
