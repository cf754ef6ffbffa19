"""What every service's `python -m` entry point does: load settings or stop, migrate, exec the server."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

import structlog

from . import heartbeat
from .consumer import ConsumerServiceSettings
from .db import migrate
from .logging import configure_logging
from .settings import ConfigError

Settings = TypeVar("Settings")
log = structlog.get_logger(__name__)


def settings_or_exit(service: str, load: Callable[[], Settings]) -> Settings:
    """The service's settings; a missing or malformed variable stops it with exit status 2."""
    try:
        return load()
    except ConfigError as exc:
        # The settings are what failed, so only an explicit LOG_FORMAT=json is trusted here: in a
        # container (the images set it) this is one JSON line like every other; at a terminal, a sentence.
        if os.environ.get("LOG_FORMAT", "").strip() == "json":
            configure_logging("json", service=service)
            log.error("configuration_invalid", variable=exc.name, error=str(exc))
        else:
            print(f"{service}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate_or_exit(service: str, database_url: str) -> None:
    """Bring the schema up to date (safe from several processes at once: an advisory lock)."""
    import psycopg2

    try:
        migrate(database_url)
    except psycopg2.OperationalError as exc:
        log.error("database_unreachable", service=service, error=str(exc).strip())
        raise SystemExit(1) from None


def exec_dramatiq(actors_module: str, *, service: str, queue: str, settings: ConsumerServiceSettings) -> NoReturn:
    """Replace this process with Dramatiq's CLI consuming `queue` only, as the image runs it; its
    main process's lines carry `service`, as its workers' do."""
    consumer = settings.consumer
    # Dramatiq reads its consumer timeout from the environment, not from a CLI flag.
    os.environ["dramatiq_worker_timeout"] = str(consumer.idle_poll_ms)  # noqa: SIM112 - dramatiq reads this lower-case name
    if consumer.heartbeat_dir is not None:
        # Beats of an earlier run (a restarted container keeps its files) must not count for this one.
        heartbeat.reset(consumer.heartbeat_dir)
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            # Dramatiq's own CLI, behind our logging set-up: its main process logs in our format too.
            "taskoverflow_shared.dramatiq_cli",
            "--service",
            service,
            actors_module,
            # Only this service's queue: the broker declares every queue it may send to.
            "--queues",
            queue,
            "--processes",
            str(consumer.processes),
            "--threads",
            str(consumer.threads),
            "--skip-logging",
            *sys.argv[1:],
        ],
    )
