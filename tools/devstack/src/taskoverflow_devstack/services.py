"""TaskOverflow's own services run as their images run them (`python -m ...`), for the tests and the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import requests

from .processes import run_process

TABLES = (
    "todos",
    "calendar_jobs",
    "notifications",
    "outbox",
    "calendar_feeds",
    "feed_calendars",
    "cancelled_calendar_jobs",
)
# Dramatiq's CLI logs this once its worker processes are consuming.
CONSUMING = b"ready for action"


def truncate_all(database_url: str) -> None:
    """Empty every table, ids restarting at 1."""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    conn.close()


def sql(database_url: str, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on its own connection (committed); the rows it returns, if any: for tests' Givens and checks."""
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def service_env(**overrides: str) -> dict[str, str]:
    """This process's environment for a service: JSON logs, emulator credentials, then `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.update(LOG_FORMAT="json", PYTHONUNBUFFERED="1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    env.update(overrides)
    return env


def api_is_serving(base_url: str) -> bool:
    return requests.get(f"{base_url}/api/v1/health", timeout=1).ok


@contextmanager
def run_api(env: Mapping[str, str], *, log_path: Path, what: str = "the API") -> Iterator[str]:
    """`python -m taskoverflow_api` on 127.0.0.1:$PORT; yields its base URL once /health answers."""
    base_url = f"http://127.0.0.1:{env['PORT']}"
    command = [sys.executable, "-m", "taskoverflow_api"]
    with run_process(command, env=env, log_path=log_path, ready=lambda: api_is_serving(base_url), what=what):
        yield base_url


@contextmanager
def run_consumer(module: str, env: Mapping[str, str], *, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m <module>` for a Dramatiq service; yields once its workers consume."""
    with run_process(
        [sys.executable, "-m", module],
        env=env,
        log_path=log_path,
        ready=lambda: CONSUMING in log_path.read_bytes(),
        what=module,
    ) as proc:
        yield proc
