# ruff: noqa: S101, S603 - a benchmark script: asserts, our own subprocesses, printed figures
"""Audience-hit benchmark (issue 7, point 7). Run by hand; results go in docs/benchmarks.md.

    python bench/stats_hit.py [--seconds 20] [--clients 16] [--client-procs 2]
                              [--pages 50] [--workers 2] [--threads 4] [--postgres URL]

Starts ``garde serve --demo --no-worker`` like ``bench/consent_api.py`` (whose helpers it
uses), then posts page views of the demo site to ``POST /api/v1/stats/hit`` as
``garde-stats.js`` does (a text/plain JSON body, the page's Origin) from ``--clients``
keep-alive connections over ``--pages`` distinct paths, so concurrent hits contend for the same
counter rows. Prints the hits per second (204 answers), the errors, the latency percentiles,
and checks that the counters add up to exactly the hits answered: no increment lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from consent_api import free_port, recreate_postgres, server_cpu_seconds, wait_ready

ROOT = Path(__file__).resolve().parent.parent


def client_thread(
    port: int, pages: int, stop_at: float, out: list[tuple[int, int, list[float]]]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Content-Type": "text/plain;charset=UTF-8",
        "Origin": f"http://127.0.0.1:{port}",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) bench",
    }
    ok = failed = 0
    latencies: list[float] = []
    while time.monotonic() < stop_at:
        body = json.dumps({"site": "demo", "path": f"/page-{(ok + failed) % pages}/"})
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/stats/hit", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status == 204:
            ok += 1
        else:
            failed += 1
    out.append((ok, failed, latencies))


def client_process(
    port: int, pages: int, threads: int, stop_at: float, queue: multiprocessing.Queue[object]
) -> None:
    out: list[tuple[int, int, list[float]]] = []
    workers = [
        threading.Thread(target=client_thread, args=(port, pages, stop_at, out))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(out)


def counted_views(env: dict[str, str]) -> int:
    code = (
        "import django; django.setup(); from django.db.models import Sum; "
        "from garde.consent.models import PageViewDay; "
        "print(PageViewDay.objects.aggregate(n=Sum('count'))['n'] or 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "garde.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--pages", type=int, default=50, help="distinct paths hit")
    parser.add_argument("--workers", type=int, default=2, help="web server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per web server worker")
    parser.add_argument("--postgres", help="postgres://.../NAME (dropped and created again)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    env = {**os.environ, "GARDE_DATA_DIR": str(work)}
    if args.postgres:
        connlogs = args.postgres.rstrip("/") + "_connlogs"
        recreate_postgres(args.postgres)
        recreate_postgres(connlogs)
        env["GARDE_DATABASE_URL"] = args.postgres
        env["GARDE_CONNLOGS_DATABASE_URL"] = connlogs
    port = free_port()
    # The demo site declares no origins: Garde's own (the base URL) is the first party.
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
        before = counted_views(env)
        stop_at = time.monotonic() + args.seconds
        queue: multiprocessing.Queue[object] = multiprocessing.Queue()
        per_proc = max(1, args.clients // args.client_procs)
        procs = [
            multiprocessing.Process(
                target=client_process, args=(port, args.pages, per_proc, stop_at, queue)
            )
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
        counted = counted_views(env) - before
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"clients={per_proc * args.client_procs} (procs={args.client_procs}) pages={args.pages} "
        f"web workers={args.workers} threads={args.threads} seconds={elapsed:.1f}"
    )
    print(f"hits: {ok} ok, {failed} failed, {counted} views counted")
    print(f"hits/s: {ok / elapsed:,.0f}")
    if latencies:
        print(f"latency ms: p50={pct(0.5):.1f} p95={pct(0.95):.1f} p99={pct(0.99):.1f}")
    if ok:
        print(f"server CPU: {cpu:.1f} s, {cpu / ok * 1000:.2f} ms per hit")
    print(f"load average: {os.getloadavg()}")
    assert counted == ok, "every 204 must be one counted view"


if __name__ == "__main__":
    main()
