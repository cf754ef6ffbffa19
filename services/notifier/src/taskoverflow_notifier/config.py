"""The notifier's settings, read from the environment once at start-up."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from taskoverflow_shared.broker import MAX_BACKOFF_MS
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
from taskoverflow_shared.settings import ConfigError, SnsTopicArn

# Its name on every log line (`service`) and in its error messages.
SERVICE = "notifier"


class NotifierConsumerSettings(ConsumerSettings):
    # Publishing waits on SNS, not the CPU: threads serve it well. Ten threads, because only
    # publishes made at once share a PublishBatch call, and it takes ten. Ten retries with
    # backoff ride out a 10-20 minute SNS outage before the dead-letter queue.
    processes: Processes = Field(1, validation_alias="NOTIFY_PROCESSES")
    threads: Threads = Field(10, validation_alias="NOTIFY_THREADS")
    max_retries: MaxRetries = Field(10, validation_alias="NOTIFY_MAX_RETRIES")
    min_backoff_ms: BackoffMs = Field(1_000, validation_alias="NOTIFY_MIN_BACKOFF_MS")
    max_backoff_ms: BackoffMs = Field(300_000, validation_alias="NOTIFY_MAX_BACKOFF_MS")
    time_limit_ms: TimeLimitMs = Field(30_000, validation_alias="NOTIFY_TIME_LIMIT_MS")
    idle_poll_ms: IdlePollMs = Field(1_000, validation_alias="NOTIFY_IDLE_POLL_MS")


class NotifierSettings(ConsumerServiceSettings):
    """The common service, broker and NOTIFY_* consumer variables, the topic, and the claim lease."""

    consumer: NotifierConsumerSettings
    sns_topic_arn: SnsTopicArn = Field(validation_alias="SNS_TOPIC_ARN")
    # A delivery that finds another's claim waits out the rest of the lease as one retry
    # delay, and SQS delays a message at most 900 s.
    claim_lease_s: int = Field(300, ge=2, le=MAX_BACKOFF_MS // 1000 - 60, validation_alias="NOTIFY_CLAIM_LEASE_S")
    # How long a PublishBatch call that is not full waits for more job ends: a call costs the
    # emulator (and boto3) about the same for one entry or ten. Measured on the harness's 300 jobs
    # (make up, 2 cores), 50 ms cut the notifier's and the emulator's CPU from 1.6-1.8 s to
    # 0.9-1.1 s; an email 50 ms later is no later.
    batch_linger_ms: int = Field(50, ge=0, le=1_000, validation_alias="NOTIFY_BATCH_LINGER_MS")

    @property
    def sns_region(self) -> str:
        """The topic's own region, from its ARN: SNS accepts a publish only in the topic's region."""
        return self.sns_topic_arn.split(":")[3]

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        if self.claim_lease_s * 1000 <= self.consumer.time_limit_ms:
            # Otherwise a publish still running could be taken over, and sent twice.
            raise ConfigError(
                "NOTIFY_CLAIM_LEASE_S",
                f"must be longer than NOTIFY_TIME_LIMIT_MS ({self.consumer.time_limit_ms} ms), got {self.claim_lease_s} s",
            )
        return self
