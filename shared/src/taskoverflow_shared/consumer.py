"""The consuming side of a Dramatiq service: its settings (processes, threads, retries, time limit,
idle poll) and declaring its actor on the contracted queue and name.

The variables are each service's own (WORKER_* for the calendar-worker, NOTIFY_* for the notifier):
a service subclasses ConsumerSettings and writes them out with its defaults; the rules are here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Self

import dramatiq
from pydantic import Field, model_validator

from .broker import MAX_BACKOFF_MS, BrokerSettings
from .heartbeat_middleware import Heartbeat
from .messages import Message
from .routing import route_of
from .settings import ConfigError, EnvironmentSettings, ServiceSettings

Processes = Annotated[int, Field(ge=1, le=64)]
Threads = Annotated[int, Field(ge=1, le=64)]
MaxRetries = Annotated[int, Field(ge=0, le=50)]
BackoffMs = Annotated[int, Field(ge=1, le=MAX_BACKOFF_MS)]
TimeLimitMs = Annotated[int, Field(ge=1_000)]
# How long an idle consumer waits between looks at its queue. SQS long-polls for this long; on Redis
# each send wakes an idle consumer at once (redis_wakeup), so this only bounds how late a job is when
# a wake-up is lost. Either way an idle consumer costs almost nothing. Services default to 1000.
IdlePollMs = Annotated[int, Field(ge=10, le=20_000)]


class ConsumerSettings(EnvironmentSettings):
    """How a Dramatiq service consumes; a service subclass names each variable and its default."""

    processes: Processes
    threads: Threads
    max_retries: MaxRetries
    min_backoff_ms: BackoffMs
    max_backoff_ms: BackoffMs
    time_limit_ms: TimeLimitMs
    idle_poll_ms: IdlePollMs
    # Where each worker process touches its heartbeat file (the images' health check reads it); None: none.
    # Not prefixed: the images set it the same way for every consumer service.
    heartbeat_dir: str | None = Field(None, validation_alias="HEARTBEAT_DIR")

    def variable(self, field: str) -> str:
        """The environment variable this service reads the field from (for error messages)."""
        return str(type(self).model_fields[field].validation_alias or field)


class ConsumerServiceSettings(ServiceSettings):
    """A Dramatiq service: its broker and its consumer settings, checked against each other."""

    broker: BrokerSettings
    consumer: ConsumerSettings

    @model_validator(mode="after")
    def _consumer_fits_the_broker(self) -> Self:
        if self.consumer.time_limit_ms >= self.broker.visibility_timeout_s * 1000:
            # Otherwise SQS hands a message still being worked on to another consumer.
            raise ConfigError(
                self.consumer.variable("time_limit_ms"),
                f"must be below SQS_VISIBILITY_TIMEOUT ({self.broker.visibility_timeout_s} s),"
                f" got {self.consumer.time_limit_ms} ms",
            )
        return self


def declare_actor(
    broker: dramatiq.Broker,
    message_type: type[Message],
    fn: Callable[..., None],
    consumer: ConsumerSettings,
    *,
    throws: tuple[type[BaseException], ...] = (),
) -> dramatiq.Actor[Any, None]:
    """Declare the actor that consumes `message_type`, on its contracted queue and name; with the
    consumer's heartbeat when its settings ask for one (the images' health check reads it)."""
    queue_name, actor_name = route_of(message_type)
    if consumer.heartbeat_dir is not None:
        broker.add_middleware(Heartbeat(consumer.heartbeat_dir))
    declare = dramatiq.actor(
        broker=broker,
        actor_name=actor_name,
        queue_name=queue_name,
        max_retries=consumer.max_retries,
        min_backoff=min(consumer.min_backoff_ms, MAX_BACKOFF_MS),
        max_backoff=min(consumer.max_backoff_ms, MAX_BACKOFF_MS),
        time_limit=consumer.time_limit_ms,
        throws=throws,
    )
    actor: dramatiq.Actor[Any, None] = declare(fn)
    return actor
