"""The calendar-worker's settings, read from the environment once at start-up."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from taskoverflow_shared import settings
from taskoverflow_shared.broker import BrokerSettings


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    database_url: str
    broker: BrokerSettings
    public_base_url: str
    processes: int = 3
    threads: int = 1
    max_retries: int = 3
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 60_000
    time_limit_ms: int = 120_000
    idle_poll_ms: int = 1_000
    log_format: str | None = None
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerSettings:
        env = os.environ if env is None else env
        broker = BrokerSettings.from_env(env)
        time_limit_ms = settings.integer(env, "JOB_TIME_LIMIT_MS", 120_000, minimum=1_000)
        if time_limit_ms >= broker.visibility_timeout_s * 1000:
            # Otherwise SQS hands a still-running job to another worker.
            raise settings.ConfigError(
                "JOB_TIME_LIMIT_MS",
                f"must be below SQS_VISIBILITY_TIMEOUT ({broker.visibility_timeout_s} s), got {time_limit_ms} ms",
            )
        return cls(
            database_url=settings.database_url(env),
            broker=broker,
            public_base_url=settings.url(env, "PUBLIC_BASE_URL", ("http", "https"), "http://localhost:6400").rstrip("/"),
            # Processes, not threads: building a calendar is CPU work, and threads waiting on
            # PostgreSQL queue behind it for the GIL. Measured on 2 cores (bench/pipeline_bench.py):
            # 3 processes x 1 thread do ~2x the jobs/s of 1 x 4.
            processes=settings.integer(env, "WORKER_PROCESSES", (os.cpu_count() or 1) + 1, minimum=1, maximum=64),
            threads=settings.integer(env, "WORKER_THREADS", 1, minimum=1, maximum=64),
            max_retries=settings.integer(env, "JOB_MAX_RETRIES", 3, minimum=0, maximum=50),
            min_backoff_ms=settings.integer(env, "JOB_MIN_BACKOFF_MS", 1_000, minimum=1),
            max_backoff_ms=settings.integer(env, "JOB_MAX_BACKOFF_MS", 60_000, minimum=1, maximum=900_000),
            time_limit_ms=time_limit_ms,
            # How long an idle consumer waits between looks at its queue. SQS long-polls for
            # this long (cheap); Redis is polled, and Dramatiq backs off up to this between
            # empty polls, so a short one keeps a job from waiting for a sleeping worker.
            idle_poll_ms=settings.integer(
                env, "WORKER_IDLE_POLL_MS", 1_000 if broker.url.startswith("sqs") else 10, minimum=10, maximum=20_000
            ),
            log_format=settings.log_format(env),
            log_level=settings.choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        )
