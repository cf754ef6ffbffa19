"""Benchmark GET /api/v1/todos: 10 and 100 todos, concurrency 8, 10 s after a warm-up.

Starts its own PostgreSQL (BENCH_DATABASE_URL to use another) and the API as its image runs it
(`python -m taskoverflow_api`: gunicorn with its default workers unless WEB_CONCURRENCY is set),
then prints requests/s, p50, p99 and the count of non-200 answers for each size.

The load comes from wrk when it is installed (`apt-get install wrk`), else from a Python client
that itself needs about a third of a 2-core machine: compare figures from the same generator.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

import requests

from taskoverflow_devstack import embedded
from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.services import run_api, service_env, truncate_all

import http_load
import wrk_load


def _seed(base_url: str, count: int, truncate) -> None:
    truncate()
    with requests.Session() as session:
        for i in range(count):
            deadline = f"2026-12-{1 + i % 28:02d}T09:00:00" if i % 3 else None
            body = {"title": f"Todo {i}", "description": f"Seeded for the benchmark #{i}", "deadline_at": deadline}
            session.post(f"{base_url}/api/v1/todos", json=body).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="api-bench-")))
        database_url = os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(embedded.postgres(tmp / "pg"))
        # The schema: the API migrates it at start (`python -m taskoverflow_api`), as in production.
        env = service_env(DATABASE_URL=database_url, PORT=str(free_port()), HOST="127.0.0.1")
        env.pop("BROKER_URL", None)
        base_url = stack.enter_context(run_api(env, log_path=tmp / "api.log"))
        use_wrk = args.generator == "wrk" or (args.generator == "auto" and wrk_load.available())
        drive = wrk_load.drive if use_wrk else http_load.drive
        print(
            f"API: gunicorn workers={env.get('WEB_CONCURRENCY', 'default (one a core, at least 2)')}; load: "
            f"{'wrk' if use_wrk else 'python client'}, concurrency={args.concurrency}, "
            f"warm-up {args.warmup:.0f} s, measured {args.duration:.0f} s"
        )
        print(f"{'todos':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-200':>8}")
        for size in args.sizes:
            _seed(base_url, size, lambda: truncate_all(database_url))
            seen = drive(
                f"{base_url}/api/v1/todos", concurrency=args.concurrency, warmup_s=args.warmup, duration_s=args.duration
            )
            print(
                f"{size:>6} {seen.per_second:>9.0f} {seen.p50_ms:>8.2f} {seen.p99_ms:>8.2f} {seen.non_200:>8}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
