"""The notifier's settings, read from the environment once at start-up."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from taskoverflow_shared import settings
from taskoverflow_shared.broker import MAX_BACKOFF_MS, BrokerSettings
from taskoverflow_shared.consumer import ConsumerSettings


@dataclasses.dataclass(frozen=True)
class NotifierSettings:
    database_url: str
    broker: BrokerSettings
    sns_topic_arn: str
    public_base_url: str
    consumer: ConsumerSettings
    aws_endpoint_url: str | None = None
    claim_lease_s: int = 300
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
        # Publishing waits on SNS, not the CPU: threads serve it well. Ten retries with backoff
        # ride out a 10-20 minute SNS outage before the dead-letter queue.
        consumer = ConsumerSettings.from_env(
            env,
            broker,
            prefix="NOTIFY_",
            processes=1,
            threads=4,
            max_retries=10,
            max_backoff_ms=300_000,
            time_limit_ms=30_000,
        )
        # A delivery that finds another's claim waits out the rest of the lease as one retry
        # delay, and SQS delays a message at most 900 s.
        claim_lease_s = settings.integer(
            env, "NOTIFY_CLAIM_LEASE_S", 300, minimum=2, maximum=MAX_BACKOFF_MS // 1000 - 60
        )
        if claim_lease_s * 1000 <= consumer.time_limit_ms:
            # Otherwise a publish still running could be taken over, and sent twice.
            raise settings.ConfigError(
                "NOTIFY_CLAIM_LEASE_S",
                f"must be longer than NOTIFY_TIME_LIMIT_MS ({consumer.time_limit_ms} ms), got {claim_lease_s} s",
            )
        return cls(
            database_url=settings.database_url(env),
            broker=broker,
            sns_topic_arn=settings.sns_topic_arn(env),
            public_base_url=settings.url(env, "PUBLIC_BASE_URL", ("http", "https"), "http://localhost:6400").rstrip(
                "/"
            ),
            aws_endpoint_url=settings.optional(env, "AWS_ENDPOINT_URL"),
            consumer=consumer,
            claim_lease_s=claim_lease_s,
            log_format=settings.log_format(env),
            log_level=settings.choice(env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        )
