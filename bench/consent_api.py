# ruff: noqa: S101, S603 - a benchmark script: asserts, our own subprocesses, printed figures
"""Consent-write benchmark (issue 7). Run by hand; results go in docs/benchmarks.md.

    python bench/consent_api.py [--seconds 20] [--clients 16] [--client-procs 2]
                                [--workers 2] [--threads 4] [--postgres URL]
                                [--client python|wrk]

Starts ``garde serve --demo --no-worker`` on a free port in a fresh data directory (SQLite, or
the PostgreSQL database ``URL``, dropped and created again with ``URL_connlogs`` beside it),
waits for the demo site's banner configuration, then posts consent records to
``POST /api/v1/consent`` from ``--clients`` keep-alive connections (threads spread over
``--client-procs`` processes, so the client is not bound by one GIL) for ``--seconds``. Prints
the writes per second (201 answers only), the errors, the latency percentiles, the row count in
the database, and the load average: the rates depend on what else the machine runs, and the
client shares the machine's cores with the server. ``--client wrk`` generates the load with wrk
(``bench/consent_wrk.lua``, a new random visitor per write) instead of Python threads: a C
client takes far less of the two cores, which is how the target is meant to be read.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"garde serve exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/consent/config/demo")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("garde serve did not answer in time")


def client_thread(port: int, stop_at: float, out: list[tuple[int, int, list[float]]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Origin": "https://www.example.org"}
    ok = failed = 0
    latencies: list[float] = []
    visitor = secrets.token_urlsafe(16)
    while time.monotonic() < stop_at:
        body = json.dumps(
            {
                "site": "demo",
                "version": 1,
                "visitor": visitor,
                "choices": {"statistics": ok % 2 == 0, "preferences": False},
                "method": "preferences",
                "language": "fr",
            }
        )
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/consent", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status == 201:
            ok += 1
        else:
            failed += 1
    out.append((ok, failed, latencies))


def client_process(
    port: int, threads: int, stop_at: float, queue: multiprocessing.Queue[object]
) -> None:
    out: list[tuple[int, int, list[float]]] = []
    workers = [
        threading.Thread(target=client_thread, args=(port, stop_at, out)) for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(out)


def server_cpu_seconds(root: int) -> float:
    """User + system CPU of ``root`` and its children (the web server workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root in {pid, ppid}:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def stored_records(env: dict[str, str]) -> int:
    code = (
        "import django; django.setup(); "
        "from garde.consent.models import ConsentRecord; print(ConsentRecord.objects.count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "garde.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def wrk_run(
    args: argparse.Namespace,
    port: int,
    server: subprocess.Popen[bytes],
    env: dict[str, str],
    before: int,
) -> None:
    """The same measurement with wrk and bench/consent_wrk.lua as the load generator."""
    command = [
        *("wrk", "-t2", f"-c{args.clients}", f"-d{int(args.seconds)}s", "--latency"),
        *("-s", str(ROOT / "bench" / "consent_wrk.lua"), f"http://127.0.0.1:{port}"),
    ]
    cpu_before = server_cpu_seconds(server.pid)
    started = time.monotonic()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    elapsed = time.monotonic() - started
    cpu = server_cpu_seconds(server.pid) - cpu_before
    line = next(row for row in output.splitlines() if row.startswith("WRK "))
    figures = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    ok = figures["requests"] - figures["non2xx"]
    stored = stored_records(env) - before
    print(
        f"client=wrk connections={args.clients} web workers={args.workers} "
        f"threads={args.threads} seconds={elapsed:.1f}"
    )
    print(
        f"writes: {ok} ok, {figures['non2xx']} failed, {figures['socket_errors']} socket "
        f"errors, {stored} rows stored"
    )
    print(f"writes/s: {ok / elapsed:,.0f}")
    print(
        f"latency ms: p50={figures['p50_us'] / 1000:.1f} p95={figures['p95_us'] / 1000:.1f} "
        f"p99={figures['p99_us'] / 1000:.1f}"
    )
    if ok:
        print(f"server CPU: {cpu:.1f} s, {cpu / ok * 1000:.2f} ms per write")
    print(f"load average: {os.getloadavg()}")
    # wrk counts the answers it read before stopping; the server may have stored a few more.
    assert ok <= stored <= ok + args.clients, "every 201 must be a stored row"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="web server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per web server worker")
    parser.add_argument("--postgres", help="postgres://.../NAME (dropped and created again)")
    parser.add_argument(
        "--client",
        choices=["python", "wrk"],
        default="python",
        help="load generator: Python threads (default) or wrk (C, far less CPU per request, "
        "so more of the 2 cores go to the server; needs wrk on the PATH)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="consent-bench-"))
    env = {**os.environ, "GARDE_DATA_DIR": str(work)}
    if args.postgres:
        connlogs = args.postgres.rstrip("/") + "_connlogs"
        recreate_postgres(args.postgres)
        recreate_postgres(connlogs)
        env["GARDE_DATABASE_URL"] = args.postgres
        env["GARDE_CONNLOGS_DATABASE_URL"] = connlogs
    port = free_port()
    env["GARDE_BASE_URL"] = f"http://127.0.0.1:{port}"
    command = [
        *(sys.executable, "-m", "garde", "serve", "--demo", "--no-worker"),
        *("--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)),
    ]
    print(f"work directory: {work}; database: {'postgres' if args.postgres else 'sqlite'}")
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(port, server)
        before = stored_records(env)
        if args.client == "wrk":
            wrk_run(args, port, server, env, before)
            return
        stop_at = time.monotonic() + args.seconds
        queue: multiprocessing.Queue[object] = multiprocessing.Queue()
        per_proc = max(1, args.clients // args.client_procs)
        procs = [
            multiprocessing.Process(target=client_process, args=(port, per_proc, stop_at, queue))
            for _ in range(args.client_procs)
        ]
        cpu_before = server_cpu_seconds(server.pid)
        started = time.monotonic()
        for proc in procs:
            proc.start()
        results: list[tuple[int, int, list[float]]] = []
        for _ in procs:
            results += queue.get()  # type: ignore[operator]
        for proc in procs:
            proc.join()
        elapsed = time.monotonic() - started
        cpu = server_cpu_seconds(server.pid) - cpu_before
        ok = sum(r[0] for r in results)
        failed = sum(r[1] for r in results)
        latencies = sorted(lat for r in results for lat in r[2])
        stored = stored_records(env) - before
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"clients={per_proc * args.client_procs} (procs={args.client_procs}) "
        f"web workers={args.workers} threads={args.threads} seconds={elapsed:.1f}"
    )
    print(f"writes: {ok} ok, {failed} failed, {stored} rows stored")
    print(f"writes/s: {ok / elapsed:,.0f}")
    if latencies:
        print(f"latency ms: p50={pct(0.5):.1f} p95={pct(0.95):.1f} p99={pct(0.99):.1f}")
    if ok:
        print(
            f"server CPU: {cpu:.1f} s, {cpu / ok * 1000:.2f} ms per write, "
            f"{ok / cpu:,.0f} writes per CPU-second (database server not counted)"
        )
    print(f"load average: {os.getloadavg()}")
    assert stored == ok, "every 201 must be a stored row"


if __name__ == "__main__":
    main()
