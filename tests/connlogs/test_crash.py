"""Crash test: kill -9 the ingest process while it writes; every acknowledged line survives
and the store still verifies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from garde.connlogs.models import Entry
from garde.connlogs.verify import verify

DBS = ["default", "connlogs"]


@pytest.mark.django_db(databases=DBS, transaction=True)
def test_kill_9_mid_ingest_loses_nothing_acknowledged(tmp_path: Path) -> None:
    # given a big JSONL file and an ingest running in another process on the test database
    path = tmp_path / "big.jsonl"
    with path.open("w") as handle:
        for i in range(200_000):
            handle.write(
                json.dumps(
                    {
                        "ts": f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
                        "service": "sshd",
                        "event": "login",
                        "account": f"user{i}",
                        "ip": "192.0.2.1",
                    }
                )
                + "\n"
            )
    env = {
        **os.environ,
        "GARDE_CONNLOGS_DATABASE_URL": "",
    }
    connlogs_db = settings.DATABASES["connlogs"]
    if connlogs_db["ENGINE"].endswith("sqlite3"):
        env["GARDE_CONNLOGS_DATABASE_URL"] = f"sqlite:///{connlogs_db['NAME']}"
    else:
        env["GARDE_CONNLOGS_DATABASE_URL"] = (
            f"postgres://{connlogs_db['USER']}@{connlogs_db['HOST']}:{connlogs_db['PORT']}/"
            f"{connlogs_db['NAME']}"
        )
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [
            sys.executable,
            "-m",
            "garde",
            "connlogs",
            "ingest",
            "--format",
            "jsonl",
            "--batch-size",
            "2000",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert process.stdout is not None
    acknowledged = 0
    deadline = time.monotonic() + 120
    # when it is killed after a few acknowledged commits
    for line in process.stdout:
        if line.startswith("committed through line "):
            acknowledged = int(line.split()[-1])
            if acknowledged >= 10_000:
                process.send_signal(signal.SIGKILL)
                break
        assert time.monotonic() < deadline
    process.wait()
    # then every acknowledged line is present and the store verifies
    assert process.returncode == -signal.SIGKILL
    assert acknowledged >= 10_000
    assert Entry.objects.count() >= acknowledged
    assert set(Entry.objects.filter(seq__lte=acknowledged).values_list("account", flat=True)) == {
        f"user{i}" for i in range(acknowledged)
    }
    report = verify()
    assert report.ok, report.problems
