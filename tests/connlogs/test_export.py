"""Requisition exports (issue 6, item 6): CSV + signed manifest, verifiable, audited; and the
``garde connlogs query | export | verify-export`` verbs."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from garde.accounts.models import User
from garde.connlogs.export import (
    COLUMNS,
    canonical_json,
    connlog_export,
    export_verify,
    manifest_path_for,
)
from garde.connlogs.models import Entry
from garde.connlogs.queries import ConnlogsForbiddenError
from garde.core.errors import GardeError
from garde.core.models import AuditEvent
from garde.core.signing import key_id
from tests.connlogs.test_query import entries_add, event

pytestmark = pytest.mark.django_db(databases=["default", "connlogs"])


@pytest.fixture
def sysadmin(make_user: Callable[..., User]) -> User:
    return make_user("sysadmin", email="admin@inherent.example")


@pytest.fixture
def logged() -> list[int]:
    return entries_add(
        event("2025-03-01T08:00:00.000001+00:00", account="alice", ip="10.1.2.3", session="s1"),
        event("2025-03-01T08:05:00+00:00", account="bob", ip="10.9.9.9", port=None),
        event("2025-03-01T08:10:00+00:00", account="alice", ip="2001:db8::7", kind="logout"),
    )


def test_the_export_writes_the_matching_rows_and_a_signed_manifest(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given
    out = tmp_path / "pj-42.csv"
    # when
    manifest = connlog_export(
        actor=sysadmin, reason="Réquisition PJ-42", out=out, account="alice", os_user="root"
    )
    # then
    first, _bob, third = logged
    entries = Entry.objects.in_bulk([first, third])
    data = out.read_bytes()
    assert data.decode().splitlines() == [
        ",".join(COLUMNS),
        f"{first},2025-03-01T08:00:00.000001Z,sshd,login,alice,10.1.2.3,22,s1,"
        f"{entries[first].leaf_hash}",
        f"{third},2025-03-01T08:10:00.000000Z,sshd,logout,alice,2001:db8::7,22,,"
        f"{entries[third].leaf_hash}",
    ]
    assert b"\r\n" in data
    on_disk = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert {k: v for k, v in manifest.items() if k not in {"created_at", "signature"}} == {
        "format": "garde-connlogs-export/1",
        "file": "pj-42.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "rows": 2,
        "columns": list(COLUMNS),
        "filter": {"account": "alice", "ip": None, "from": None, "to": None},
        "reason": "Réquisition PJ-42",
        "operator": {"id": sysadmin.pk, "email": "admin@inherent.example", "os_user": "root"},
        "origin": settings.GARDE_CONNLOGS_ORIGIN,
        "key_id": key_id(),
    }
    check = export_verify(out)
    assert (check.ok, check.problems) == (True, [])
    audit = AuditEvent.objects.get(action="connlogs.exported")
    assert audit.actor == sysadmin
    assert audit.details == {
        "reason": "Réquisition PJ-42",
        "filter": {"account": "alice", "ip": None, "from": None, "to": None},
        "rows": 2,
        "file": "pj-42.csv",
        "sha256": manifest["sha256"],
        "channel": "cli",
        "os_user": "root",
    }


def test_verification_detects_a_changed_csv(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given
    out = tmp_path / "export.csv"
    connlog_export(actor=sysadmin, reason="Réquisition PJ-42", out=out)
    changed = out.read_bytes().replace(b"10.9.9.9", b"10.9.9.8")
    out.write_bytes(changed)
    # when
    check = export_verify(out)
    # then
    assert check.ok is False
    assert check.problems == [
        f"SHA-256 of export.csv is {hashlib.sha256(changed).hexdigest()}, "
        f"the manifest says {check.manifest['sha256']}"
    ]


def test_verification_detects_a_removed_row(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given
    out = tmp_path / "export.csv"
    connlog_export(actor=sysadmin, reason="Réquisition PJ-42", out=out)
    lines = out.read_bytes().split(b"\r\n")
    shorter = b"\r\n".join(lines[:2] + lines[3:])
    out.write_bytes(shorter)
    # when
    check = export_verify(out)
    # then
    assert check.ok is False
    assert check.problems[0].startswith("SHA-256 of export.csv is ")
    assert check.problems[1:] == [
        f"export.csv has {len(shorter)} bytes, the manifest says {check.manifest['bytes']}",
        "export.csv has 2 rows, the manifest says 3",
    ]


def test_verification_detects_an_edited_manifest(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given: the CSV edited and the manifest's hash made to match it
    out = tmp_path / "export.csv"
    connlog_export(actor=sysadmin, reason="Réquisition PJ-42", out=out)
    out.write_bytes(out.read_bytes().replace(b"bob", b"eve"))
    manifest = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    manifest_path_for(out).write_text(json.dumps(manifest), encoding="utf-8")
    # when
    check = export_verify(out)
    # then
    assert check.problems == ["manifest signature does not verify"]


def test_verification_refuses_a_manifest_signed_by_another_key(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given: re-signed with a key that is not Garde's
    out = tmp_path / "export.csv"
    connlog_export(actor=sysadmin, reason="Réquisition PJ-42", out=out)
    manifest = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    other = Ed25519PrivateKey.generate()
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    unsigned["key_id"] = key_id(other.public_key())
    signature = base64.b64encode(other.sign(canonical_json(unsigned))).decode()
    manifest = {**unsigned, "signature": signature}
    manifest_path_for(out).write_text(json.dumps(manifest), encoding="utf-8")
    # when
    check = export_verify(out)
    # then
    assert check.problems == [
        f"manifest signed by key {key_id(other.public_key())!r}, not {key_id()}",
        "manifest signature does not verify",
    ]
    assert export_verify(out, key=other.public_key()).ok is True


def test_a_non_sysadmin_cannot_export_and_nothing_is_written_or_audited(
    make_user: Callable[..., User], logged: list[int], tmp_path: Path
) -> None:
    # given
    out = tmp_path / "export.csv"
    # when
    with pytest.raises(ConnlogsForbiddenError):
        connlog_export(actor=make_user("dpo"), reason="Réquisition PJ-42", out=out)
    # then
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action__startswith="connlogs.").exists()


def test_an_export_without_a_reason_is_refused_and_nothing_is_written_or_audited(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # when
    with pytest.raises(GardeError) as refused:
        connlog_export(actor=sysadmin, reason=" ", out=tmp_path / "export.csv")
    # then
    assert refused.value.field == "reason"
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action__startswith="connlogs.").exists()


# --- command line ---


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("connlogs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_export_then_verify_export(sysadmin: User, logged: list[int], tmp_path: Path) -> None:
    # given
    out = tmp_path / "pj.csv"
    # when
    stdout, _ = run(
        "export",
        "--reason",
        "Réquisition PJ-42",
        "--operator",
        "ADMIN@inherent.example",
        "--ip",
        "10.0.0.0/8",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-01",
        "--out",
        str(out),
    )
    verified, _ = run("verify-export", str(out))
    # then
    manifest = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))
    assert manifest["rows"] == 2
    assert manifest["filter"] == {
        "account": None,
        "ip": "10.0.0.0/8",
        "from": "2025-03-01T00:00:00+00:00",
        "to": "2025-03-02T00:00:00+00:00",
    }
    assert stdout.startswith(f"wrote 2 entries to {out} (sha256 {manifest['sha256']})")
    assert verified.strip() == (
        f"OK {out}: 2 rows, sha256 {manifest['sha256']}, signed by key {key_id()}"
    )
    audit = AuditEvent.objects.get(action="connlogs.exported")
    assert (audit.actor, audit.details["channel"]) == (sysadmin, "cli")
    assert audit.details["os_user"]


def test_cli_verify_export_fails_with_status_1_on_a_changed_file(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given
    out = tmp_path / "pj.csv"
    connlog_export(actor=sysadmin, reason="Réquisition PJ-42", out=out)
    out.write_bytes(out.read_bytes() + b"4,2025-03-01T00:00:00Z,sshd,login,,,,,00\r\n")
    # when
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("connlogs", "verify-export", str(out), stdout=io.StringIO(), stderr=err)
    # then
    assert failed.value.returncode == 1
    assert "FAILED pj.csv has 4 rows, the manifest says 3" in err.getvalue()


def test_cli_query_prints_rows_and_is_audited(sysadmin: User, logged: list[int]) -> None:
    # when
    stdout, stderr = run(
        "query", "--reason", "Réquisition PJ-42", "--operator", sysadmin.email, "--account", "bob"
    )
    # then
    _alice, bob, _alice_again = logged
    assert stdout.splitlines() == [
        f"{bob}\t2025-03-01T08:05:00+00:00\tsshd\tlogin\tbob\t10.9.9.9\t\t"
    ]
    assert stderr.strip() == "1 of 1 entries"
    audit = AuditEvent.objects.get(action="connlogs.queried")
    assert audit.actor == sysadmin
    assert audit.details["reason"] == "Réquisition PJ-42"
    assert audit.details["channel"] == "cli"
    assert audit.details["rows"] == 1


def test_cli_query_json_lines(sysadmin: User, logged: list[int]) -> None:
    # when
    stdout, _ = run(
        "query", "--reason", "R", "--operator", sysadmin.email, "--ip", "2001:db8::/32", "--json"
    )
    # then
    assert [json.loads(line)["ip"] for line in stdout.splitlines()] == ["2001:db8::7"]


@pytest.mark.parametrize(
    ("operator_role", "message"),
    [("dpo", "Seuls les administrateurs systèmes"), (None, "no active Garde account")],
)
def test_cli_query_refuses_an_operator_who_is_not_a_sysadmin(
    operator_role: str | None,
    message: str,
    make_user: Callable[..., User],
    logged: list[int],
) -> None:
    # given
    email = make_user(operator_role).email if operator_role else "nobody@inherent.example"
    # when
    with pytest.raises(CommandError) as refused:
        run("query", "--reason", "R", "--operator", email)
    # then
    assert message in str(refused.value)
    assert not AuditEvent.objects.filter(action__startswith="connlogs.").exists()


def test_cli_export_without_a_reason_writes_nothing(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # when
    with pytest.raises(CommandError) as refused:
        run(
            "export", "--reason", "", "--operator", sysadmin.email, "--out", str(tmp_path / "x.csv")
        )
    # then
    assert "motif" in str(refused.value)
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action__startswith="connlogs.").exists()


def test_the_csv_parses_back_with_the_csv_module(
    sysadmin: User, logged: list[int], tmp_path: Path
) -> None:
    # given
    out = tmp_path / "export.csv"
    connlog_export(actor=sysadmin, reason="R", out=out)
    # when
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # then
    assert [row["seq"] for row in rows] == [str(seq) for seq in logged]
    assert rows[1]["port"] == ""
