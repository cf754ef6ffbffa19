"""The API's settings, read from the environment once at start-up."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from taskoverflow_shared import settings
from taskoverflow_shared.broker import BrokerSettings


@dataclasses.dataclass(frozen=True)
class ApiSettings:
    database_url: str
    broker: BrokerSettings | None
    public_base_url: str
    port: int = 6400
    host: str = "127.0.0.1"
    workers: int = 3
    threads: int = 1
    log_format: str | None = None
    log_level: str = "INFO"
    db_pool_size: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if env is None else env
        port = settings.integer(env, "PORT", 6400, minimum=1, maximum=65535)
        return cls(
            database_url=settings.database_url(env),
            # The todo API runs without a broker; calendar jobs need one.
            broker=BrokerSettings.from_env(env) if settings.optional(env, "BROKER_URL") else None,
            public_base_url=settings.url(env, "PUBLIC_BASE_URL", ("http", "https"), f"http://localhost:{port}").rstrip(
                "/"
            ),
            port=port,
            # Containers set HOST=0.0.0.0; a developer's machine keeps the API on loopback.
            host=settings.require(env, "HOST", "127.0.0.1"),
            # One more worker than cores: a sync worker waiting on PostgreSQL leaves its core idle.
            # Measured on 2 cores: 3 workers serve ~10% more than 2, 4 and more serve less.
            workers=settings.integer(env, "WEB_CONCURRENCY", (os.cpu_count() or 1) + 1, minimum=1, maximum=64),
            threads=settings.integer(env, "GUNICORN_THREADS", 1, minimum=1, maximum=64),
            log_format=settings.log_format(env),
            log_level=settings.choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
            db_pool_size=settings.integer(env, "DB_POOL_SIZE", 4, minimum=1, maximum=100),
        )
