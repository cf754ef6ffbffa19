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
from taskoverflow_shared.lifecycle import DEFAULT_JOB_ROWS_KEPT_S, DEFAULT_RESULT_EXPIRES_S, ResultExpiresS

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
    idle_poll_ms: IdlePollMs = Field(1_000, validation_alias="WORKER_IDLE_POLL_MS")


class WorkerSettings(ConsumerServiceSettings):
    """DATABASE_URL, PUBLIC_BASE_URL, LOG_* (ServiceSettings), BROKER_URL and the queue's
    variables (BrokerSettings), and the WORKER_* variables above."""

    consumer: WorkerConsumerSettings
    # The clean-up (housekeeping.py): how often, and what it removes.
    housekeeping_interval_s: float = Field(300, gt=0, le=86_400, validation_alias="HOUSEKEEPING_INTERVAL_S")
    result_expires_s: ResultExpiresS = Field(DEFAULT_RESULT_EXPIRES_S, validation_alias="RESULT_EXPIRES_S")
    job_rows_kept_s: ResultExpiresS = Field(DEFAULT_JOB_ROWS_KEPT_S, validation_alias="JOB_ROWS_KEPT_S")
    # Feeds: how often calendar apps are asked to poll, and how often a feed with a window is rebuilt
    # even without edits (todos move into a window as days pass; at least daily, as the issue asks).
    feed_refresh_s: int = Field(900, ge=60, le=86_400, validation_alias="FEED_REFRESH_INTERVAL_S")
    feed_window_rebuild_s: int = Field(3_600, ge=1, le=86_400, validation_alias="FEED_WINDOW_REBUILD_S")
