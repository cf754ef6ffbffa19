"""The notifier's settings, read from the environment once at start-up."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from taskoverflow_shared import settings
from taskoverflow_shared.broker import MAX_BACKOFF_MS, BrokerSettings


@dataclasses.dataclass(frozen=True)
class NotifierSettings:
    database_url: str
    broker: BrokerSettings
    sns_topic_arn: str
    public_base_url: str
    aws_endpoint_url: str | None = None
    processes: int = 1
    threads: int = 4
    max_retries: int = 10
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 300_000
    time_limit_ms: int = 30_000
    claim_lease_s: int = 300
    idle_poll_ms: int = 1_000
    log_format: str | None = None
    log_level: str = "INFO"

    @property
    def sns_region(self) -> str:
        """The topic's own region, from its ARN: SNS accepts a publish only in the topic's region."""
        return self.sns_topic_arn.split(":")[3]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifierSettings:
        env = os.environ if env is None else env
        broker = BrokerSettings.from_env(env)
        time_limit_ms = settings.integer(env, "NOTIFY_TIME_LIMIT_MS", 30_000, minimum=1_000)
        if time_limit_ms >= broker.visibility_timeout_s * 1000:
            # Otherwise SQS hands a still-running publish to another consumer.
            raise settings.ConfigError(
                "NOTIFY_TIME_LIMIT_MS",
                f"must be below SQS_VISIBILITY_TIMEOUT ({broker.visibility_timeout_s} s), got {time_limit_ms} ms",
            )
        # A delivery that finds another's claim waits out the rest of the lease as one retry
        # delay, and SQS delays a message at most 900 s.
        claim_lease_s = settings.integer(
            env, "NOTIFY_CLAIM_LEASE_S", 300, minimum=2, maximum=MAX_BACKOFF_MS // 1000 - 60
        )
        if claim_lease_s * 1000 <= time_limit_ms:
            # Otherwise a publish still running could be taken over, and sent twice.
            raise settings.ConfigError(
                "NOTIFY_CLAIM_LEASE_S",
                f"must be longer than NOTIFY_TIME_LIMIT_MS ({time_limit_ms} ms), got {claim_lease_s} s",
            )
        return cls(
            database_url=settings.database_url(env),
            broker=broker,
            sns_topic_arn=settings.sns_topic_arn(env),
            public_base_url=settings.url(
                env, "PUBLIC_BASE_URL", ("http", "https"), "http://localhost:6400"
            ).rstrip("/"),
            aws_endpoint_url=settings.optional(env, "AWS_ENDPOINT_URL"),
            processes=settings.integer(env, "NOTIFY_PROCESSES", 1, minimum=1, maximum=64),
            threads=settings.integer(env, "NOTIFY_THREADS", 4, minimum=1, maximum=64),
            max_retries=settings.integer(env, "NOTIFY_MAX_RETRIES", 10, minimum=0, maximum=50),
            min_backoff_ms=settings.integer(env, "NOTIFY_MIN_BACKOFF_MS", 1_000, minimum=1),
            max_backoff_ms=settings.integer(env, "NOTIFY_MAX_BACKOFF_MS", 300_000, minimum=1, maximum=MAX_BACKOFF_MS),
            time_limit_ms=time_limit_ms,
            claim_lease_s=claim_lease_s,
            # As the worker's WORKER_IDLE_POLL_MS: SQS long-polls this long, Redis is polled.
            idle_poll_ms=settings.integer(
                env, "NOTIFY_IDLE_POLL_MS", 1_000 if broker.url.startswith("sqs") else 50, minimum=10, maximum=20_000
            ),
            log_format=settings.log_format(env),
            log_level=settings.choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        )
