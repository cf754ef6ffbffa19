"""How a Dramatiq consumer service runs (processes, threads, retries, time limit, idle poll), from
the environment under the service's own prefix: WORKER_ for the calendar-worker, NOTIFY_ for the notifier."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from . import settings
from .broker import MAX_BACKOFF_MS, BrokerSettings


@dataclasses.dataclass(frozen=True)
class ConsumerSettings:
    processes: int
    threads: int
    max_retries: int
    min_backoff_ms: int
    max_backoff_ms: int
    time_limit_ms: int
    idle_poll_ms: int
    # Where each worker process touches its heartbeat file (the image's health check reads it); None: none.
    heartbeat_dir: str | None = None

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        broker: BrokerSettings,
        *,
        prefix: str,
        processes: int,
        threads: int,
        max_retries: int,
        max_backoff_ms: int,
        time_limit_ms: int,
    ) -> ConsumerSettings:
        """`{prefix}PROCESSES`, `THREADS`, `MAX_RETRIES`, `MIN_BACKOFF_MS`, `MAX_BACKOFF_MS`,
        `TIME_LIMIT_MS`, `IDLE_POLL_MS`, and the unprefixed `HEARTBEAT_DIR` the images set; the keyword
        arguments are the service's defaults."""
        time_limit = settings.integer(env, f"{prefix}TIME_LIMIT_MS", time_limit_ms, minimum=1_000)
        if time_limit >= broker.visibility_timeout_s * 1000:
            # Otherwise SQS hands a message still being worked on to another consumer.
            raise settings.ConfigError(
                f"{prefix}TIME_LIMIT_MS",
                f"must be below SQS_VISIBILITY_TIMEOUT ({broker.visibility_timeout_s} s), got {time_limit} ms",
            )
        return cls(
            processes=settings.integer(env, f"{prefix}PROCESSES", processes, minimum=1, maximum=64),
            threads=settings.integer(env, f"{prefix}THREADS", threads, minimum=1, maximum=64),
            max_retries=settings.integer(env, f"{prefix}MAX_RETRIES", max_retries, minimum=0, maximum=50),
            min_backoff_ms=settings.integer(env, f"{prefix}MIN_BACKOFF_MS", 1_000, minimum=1, maximum=MAX_BACKOFF_MS),
            max_backoff_ms=settings.integer(
                env, f"{prefix}MAX_BACKOFF_MS", max_backoff_ms, minimum=1, maximum=MAX_BACKOFF_MS
            ),
            time_limit_ms=time_limit,
            # How long an idle consumer waits between looks at its queue. SQS long-polls for this
            # long (cheap); Redis is polled, and Dramatiq backs off up to this between empty polls,
            # so a short one keeps a message from waiting for a sleeping consumer.
            idle_poll_ms=settings.integer(
                env, f"{prefix}IDLE_POLL_MS", 1_000 if broker.url.startswith("sqs") else 10, minimum=10, maximum=20_000
            ),
            heartbeat_dir=settings.optional(env, "HEARTBEAT_DIR"),
        )
