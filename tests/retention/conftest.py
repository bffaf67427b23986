"""Retention fixtures: audit events created in the past (on PostgreSQL a trigger refuses to
delete events younger than 180 days, so events are made old and swept at the real present)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.core.services import audit_record


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def event_at(now: datetime) -> Callable[..., AuditEvent]:
    """``event_at(days_ago, actor=None)``: an audit event that occurred ``days_ago`` days ago."""

    def make(days_ago: float, actor: User | None = None, action: str = "test.event") -> AuditEvent:
        with time_machine.travel(now - timedelta(days=days_ago), tick=False):
            return audit_record(action=action, actor=actor)

    return make
