"""The API's settings, read from the environment once at start-up."""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, model_validator

from taskoverflow_shared.broker import BrokerSettings
from taskoverflow_shared.lifecycle import DEFAULT_RESULT_EXPIRES_S, ResultExpiresS
from taskoverflow_shared.outbox import OutboxSettings
from taskoverflow_shared.settings import ServiceSettings

from .calendar_jobs.reconciler import ReconcileSettings

# Its name on every log line (`service`) and in its error messages.
SERVICE = "api"


def _one_worker_a_core() -> int:
    # A request waits on PostgreSQL for well under a millisecond, so a worker a core keeps them busy;
    # a spare worker only contends for them, and every idle worker wakes for each new connection (one
    # request in turn costs 0.8 ms of CPU with 1 worker, 1.2 ms with 3). At least two, so one slow
    # request never holds up the rest. Measured on 2 cores with the whole stack running, alternating:
    # 10-todo reads 1,430-1,590 requests/s with 2 workers against 1,160-1,180 with 3 (p99 9-10
    # against 11-17 ms), 1,000-todo reads 183-190 against 207-212, the job pipeline level at 10 todos
    # and 15.7-17.3 against 15.2-15.3 jobs/s at 1,000.
    return max(2, os.cpu_count() or 1)


class ApiSettings(ServiceSettings):
    """The common service variables (ServiceSettings), the server's, and the broker's when BROKER_URL is set."""

    port: int = Field(6400, ge=1, le=65535, validation_alias="PORT")
    # Containers set HOST=0.0.0.0; a developer's machine keeps the API on loopback.
    host: str = Field("127.0.0.1", validation_alias="HOST")
    workers: int = Field(default_factory=_one_worker_a_core, ge=1, le=64, validation_alias="WEB_CONCURRENCY")
    threads: int = Field(1, ge=1, le=64, validation_alias="GUNICORN_THREADS")
    db_pool_size: int = Field(4, ge=1, le=100, validation_alias="DB_POOL_SIZE")
    # A finished job's result answers 410 Gone after this (the calendar-worker's clean-up removes it).
    result_expires_s: ResultExpiresS = Field(DEFAULT_RESULT_EXPIRES_S, validation_alias="RESULT_EXPIRES_S")
    # How long a feed rebuild waits after the edit that asked for it: the edits of that time share one build.
    feed_build_delay_ms: int = Field(500, ge=0, le=60_000, validation_alias="FEED_BUILD_DELAY_MS")
    # The todo API runs without a broker; calendar export needs one (without it: 503).
    broker: BrokerSettings | None = None
    # The outbox relay and the reconciler (they run only with a broker).
    outbox: OutboxSettings
    reconcile: ReconcileSettings

    @model_validator(mode="before")
    @classmethod
    def _public_base_url_defaults_to_this_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and "PUBLIC_BASE_URL" not in data and "public_base_url" not in data:
            port = data.get("PORT", data.get("port", 6400))
            return {**data, "PUBLIC_BASE_URL": f"http://localhost:{port}"}
        return data
