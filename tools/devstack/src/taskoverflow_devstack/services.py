"""Running TaskOverflow's parts the way their images run them, for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg2

from .ports import wait_until

TABLES = ("todos", "calendar_jobs", "notifications")


def truncate_all(database_url: str) -> None:
    """Empty every table, ids restarting at 1."""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    conn.close()


@contextlib.contextmanager
def run_service(cmd: list[str], env: dict[str, str], *, log_path: Path, ready, what: str) -> Iterator[subprocess.Popen]:
    """Start a service as its image would, wait until `ready()`, stop it with SIGTERM afterwards."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_until(lambda: _alive(proc) and ready(), timeout=60, what=what)
            except (TimeoutError, ProcessLookupError):
                raise RuntimeError(
                    f"{what} did not start; its log:\n{log_path.read_text(errors='replace')[-4000:]}"
                ) from None
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _alive(proc: subprocess.Popen) -> bool:
    if proc.poll() is not None:
        raise ProcessLookupError(f"exited with status {proc.returncode}")
    return True


def service_env(**overrides: str) -> dict[str, str]:
    """This process's environment for a service: JSON logs, emulator credentials, then `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.update(LOG_FORMAT="json", PYTHONUNBUFFERED="1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    env.update(overrides)
    return env
