"""The calendar-worker's settings, read from the environment once at start-up."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from taskoverflow_shared import settings
from taskoverflow_shared.broker import BrokerSettings
from taskoverflow_shared.consumer import ConsumerSettings


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    database_url: str
    broker: BrokerSettings
    consumer: ConsumerSettings
    public_base_url: str
    log_format: str | None = None
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerSettings:
        env = os.environ if env is None else env
        broker = BrokerSettings.from_env(env)
        return cls(
            database_url=settings.database_url(env),
            broker=broker,
            consumer=ConsumerSettings.from_env(
                env,
                broker,
                prefix="WORKER_",
                # Processes, not threads: building a calendar is CPU work, and threads waiting on
                # PostgreSQL queue behind it for the GIL. Measured on 2 cores (bench/pipeline_bench.py):
                # 3 processes x 1 thread do ~2x the jobs/s of 1 x 4.
                processes=(os.cpu_count() or 1) + 1,
                threads=1,
                max_retries=3,
                max_backoff_ms=60_000,
                time_limit_ms=120_000,
            ),
            public_base_url=settings.url(env, "PUBLIC_BASE_URL", ("http", "https"), "http://localhost:6400").rstrip(
                "/"
            ),
            log_format=settings.log_format(env),
            log_level=settings.choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        )
