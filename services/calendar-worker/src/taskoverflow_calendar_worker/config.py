"""The calendar-worker's settings, read from the environment once at start-up."""

from __future__ import annotations

import os

from pydantic import Field

from taskoverflow_shared.consumer import (
    BackoffMs,
    ConsumerServiceSettings,
    ConsumerSettings,
    IdlePollMs,
    MaxRetries,
    Processes,
    Threads,
    TimeLimitMs,
)

# Its name on every log line (`service`) and in its error messages.
SERVICE = "calendar-worker"


def _cores_plus_one() -> int:
    return (os.cpu_count() or 1) + 1


class WorkerConsumerSettings(ConsumerSettings):
    # Processes, not threads: building a calendar is CPU work, and threads waiting on PostgreSQL
    # queue behind it for the GIL. Measured on 2 cores (bench/pipeline_bench.py): 3 processes x
    # 1 thread do ~2x the jobs/s of 1 x 4.
    processes: Processes = Field(default_factory=_cores_plus_one, validation_alias="WORKER_PROCESSES")
    threads: Threads = Field(1, validation_alias="WORKER_THREADS")
    max_retries: MaxRetries = Field(3, validation_alias="WORKER_MAX_RETRIES")
    min_backoff_ms: BackoffMs = Field(1_000, validation_alias="WORKER_MIN_BACKOFF_MS")
    max_backoff_ms: BackoffMs = Field(60_000, validation_alias="WORKER_MAX_BACKOFF_MS")
    time_limit_ms: TimeLimitMs = Field(120_000, validation_alias="WORKER_TIME_LIMIT_MS")
    idle_poll_ms: IdlePollMs | None = Field(None, validation_alias="WORKER_IDLE_POLL_MS")


class WorkerSettings(ConsumerServiceSettings):
    """DATABASE_URL, PUBLIC_BASE_URL, LOG_* (ServiceSettings), BROKER_URL and the queue's
    variables (BrokerSettings), and the WORKER_* variables above."""

    consumer: WorkerConsumerSettings
