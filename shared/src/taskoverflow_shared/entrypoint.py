"""What every service's `python -m` entry point does: load settings or stop, migrate, exec the server."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

from .consumer import ConsumerServiceSettings
from .db import migrate
from .settings import ConfigError

Settings = TypeVar("Settings")


def settings_or_exit(service: str, load: Callable[[], Settings]) -> Settings:
    """The service's settings; a missing or malformed variable stops it with exit status 2."""
    try:
        return load()
    except ConfigError as exc:
        print(f"{service}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate_or_exit(service: str, database_url: str) -> None:
    """Bring the schema up to date (safe from several processes at once: an advisory lock)."""
    import psycopg2

    try:
        migrate(database_url)
    except psycopg2.OperationalError as exc:
        print(f"{service}: cannot reach the database: {str(exc).strip()}", file=sys.stderr)
        raise SystemExit(1) from None


def exec_dramatiq(actors_module: str, *, queue: str, settings: ConsumerServiceSettings) -> NoReturn:
    """Replace this process with Dramatiq's CLI consuming `queue` only, as the image runs it."""
    consumer = settings.consumer
    # Dramatiq reads its consumer timeout from the environment, not from a CLI flag.
    os.environ["dramatiq_worker_timeout"] = str(settings.idle_poll_ms)  # noqa: SIM112 - dramatiq reads this lower-case name
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "dramatiq",
            actors_module,
            # Only this service's queue: the broker declares every queue it may send to.
            "--queues",
            queue,
            "--processes",
            str(consumer.processes),
            "--threads",
            str(consumer.threads),
            *sys.argv[1:],
        ],
    )
