"""Benchmark the calendar pipeline end to end over Redis: J jobs from C concurrent clients.

Each client submits a job (POST /api/v1/todos/ical) and polls its status until SUCCESS;
prints jobs/s, p50/p99 submit-to-success latency, failures and lost jobs, for each todo
count. Starts its own PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL to use
others), the API as its image runs it and the calendar-worker under Dramatiq's CLI.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import psycopg2

from taskoverflow_devstack import embedded
from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.services import run_api, run_consumer, service_env, truncate_all

LOST_AFTER_S = 60.0


def _seed(database_url: str, count: int) -> None:
    truncate_all(database_url)
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO todos (title, description, deadline_at) SELECT 'Todo ' || g, 'Seeded, for the benchmark',"
            " timestamp '2027-01-01' + g * interval '1 hour' FROM generate_series(1, %s) g",
            (count,),
        )
    conn.close()


def _client(port: int, jobs: list[int], lock: threading.Lock, poll_s: float, out: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(method: str, path: str) -> tuple[int, dict]:
        conn.request(method, path, headers={"Content-Length": "0"} if method == "POST" else {})
        response = conn.getresponse()
        # http.client reconnects by itself when the server closed the connection (gunicorn's sync workers do).
        return response.status, json.loads(response.read() or b"{}")

    while True:
        with lock:
            if not jobs:
                return
            jobs.pop()
        started = time.perf_counter()
        status, body = call("POST", "/api/v1/todos/ical")
        if status != 202:
            out["failures"] += 1
            continue
        path = f"/api/v1/todos/ical/{body['task_id']}/status"
        while True:
            status, body = call("GET", path)
            state = body.get("task_status")
            if state == "SUCCESS":
                out["latencies"].append(time.perf_counter() - started)
                break
            if state == "FAILURE" or status != 200:
                out["failures"] += 1
                break
            if time.perf_counter() - started > LOST_AFTER_S:
                out["lost"] += 1
                break
            time.sleep(poll_s)


def _run(port: int, jobs: int, clients: int, poll_s: float) -> dict:
    out = {"latencies": [], "failures": 0, "lost": 0}
    queue, lock = list(range(jobs)), threading.Lock()
    threads = [threading.Thread(target=_client, args=(port, queue, lock, poll_s, out)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["elapsed"] = time.perf_counter() - started
    return out


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--todos", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--poll-ms", type=float, default=10.0, help="status polling interval per client")
    parser.add_argument("--logs", type=Path, help="keep the services' logs in this folder")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pipeline-bench-")))
        logs = args.logs or tmp
        logs.mkdir(parents=True, exist_ok=True)
        database_url = os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(embedded.postgres(tmp / "pg"))
        redis_url = os.environ.get("BENCH_REDIS_URL") or stack.enter_context(embedded.redis())
        # The schema: the API migrates it at start (`python -m taskoverflow_api`), as in production.
        port = free_port()
        env = service_env(
            DATABASE_URL=database_url,
            BROKER_URL=redis_url,
            PORT=str(port),
            HOST="127.0.0.1",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            QUEUE_NAMESPACE=f"bench{os.getpid()}",
        )
        stack.enter_context(run_api(env, log_path=logs / "api.log"))
        stack.enter_context(run_consumer("taskoverflow_calendar_worker", env, log_path=logs / "worker.log"))
        defaults = "service default"
        print(
            f"broker: Redis; API workers={env.get('WEB_CONCURRENCY', defaults)}; calendar-worker processes="
            f"{env.get('WORKER_PROCESSES', defaults)} threads={env.get('WORKER_THREADS', '1')}; {args.jobs} jobs, "
            f"{args.clients} clients, polling every {args.poll_ms:g} ms"
        )
        print(f"{'todos':>6} {'jobs/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'lost':>5}")
        for todos in args.todos:
            _seed(database_url, todos)
            _run(port, min(20, args.jobs), args.clients, args.poll_ms / 1000)  # warm-up
            result = _run(port, args.jobs, args.clients, args.poll_ms / 1000)
            done = result["latencies"]
            print(
                f"{todos:>6} {len(done) / result['elapsed']:>8.1f} {_quantile(done, 0.5) * 1000:>8.1f}"
                f" {_quantile(done, 0.99) * 1000:>8.1f} {result['failures']:>7} {result['lost']:>5}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
