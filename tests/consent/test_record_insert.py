"""The consent write skips Django's per-request connection health check and instead retries
once on a new connection when the database connection was lost (PostgreSQL)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from garde.consent.models import ConsentRecord, ConsentSite
from garde.consent.services import consent_record_create
from tests.consent.conftest import VISITOR


def _record() -> ConsentRecord:
    return consent_record_create(
        site_key="demo",
        version=1,
        visitor=VISITOR,
        choices={"statistics": True},
        method="preferences",
        language="fr",
    )


def _terminate_backend(pid: int) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_write_on_a_lost_connection_is_stored_once_on_a_new_one(site: ConsentSite) -> None:
    # given: the connection the write will use was cut by the server
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server whose backend can be terminated")
    first = _record()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    _terminate_backend(pid)
    # when
    second = _record()
    # then
    assert ConsentRecord.objects.count() == 2
    assert second.pk != first.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


@pytest.mark.django_db(transaction=True)
def test_a_write_makes_no_health_check_round_trip(
    site: ConsentSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a connection already used, as in a keep-alive server thread, at a new request
    _record()
    connection.health_check_enabled = True  # what CONN_HEALTH_CHECKS gives on PostgreSQL
    connection.health_check_done = False  # type: ignore[attr-defined]
    checks: list[bool] = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or True)
    # when
    _record()
    # then
    assert checks == []
    assert ConsentRecord.objects.count() == 2
