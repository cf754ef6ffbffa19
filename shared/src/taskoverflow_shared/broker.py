"""The Dramatiq broker from BROKER_URL (SQS, Redis, or a stub), and sending messages by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, CurrentMessage, Pipelines, Retries, ShutdownNotifications, TimeLimit

from . import settings
from .heartbeat_middleware import Heartbeat
from .messages import CalendarJobFinished, GenerateCalendar, to_dict
from .routing import ROUTES

if TYPE_CHECKING:  # consumer.py imports this module
    from .consumer import ConsumerSettings

# SQS refuses a DelaySeconds over 900 and dramatiq-sqs then acks the message:
# it is lost. Every backoff stays under this cap.
MAX_BACKOFF_MS = 900_000
DEFAULT_NAMESPACE = "taskoverflow"


@dataclasses.dataclass(frozen=True)
class BrokerSettings:
    url: str
    namespace: str = DEFAULT_NAMESPACE
    region: str = "us-east-1"
    endpoint_url: str | None = None
    # Longer than any actor's time limit, or a slow job is delivered twice;
    # far shorter than SQS's 12 h default, or a crashed worker's job waits that long.
    visibility_timeout_s: int = 300

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BrokerSettings:
        return cls(
            url=settings.broker_url(env),
            namespace=settings.require(env, "QUEUE_NAMESPACE", DEFAULT_NAMESPACE),
            region=settings.require(env, "AWS_REGION", "us-east-1"),
            endpoint_url=settings.optional(env, "AWS_ENDPOINT_URL"),
            visibility_timeout_s=settings.integer(env, "SQS_VISIBILITY_TIMEOUT", 300, minimum=30, maximum=43_200),
        )


def _middleware() -> list[dramatiq.Middleware]:
    return [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=3, min_backoff=1_000, max_backoff=MAX_BACKOFF_MS),
        CurrentMessage(),
    ]


def build_broker(config: BrokerSettings) -> dramatiq.Broker:
    """A broker for `config.url`: sqs://, redis://, rediss://, unix:// or stub://."""
    scheme = urlsplit(config.url).scheme
    if scheme == "sqs":
        # Imported here so a Redis deployment needs no AWS SDK at start-up cost.
        from botocore.config import Config
        from dramatiq_sqs import SQSBroker

        return SQSBroker(
            namespace=config.namespace,
            middleware=_middleware(),
            dead_letter=True,
            visibility_timeout=config.visibility_timeout_s,
            region_name=config.region,
            endpoint_url=config.endpoint_url,
            # Fail fast when SQS is unreachable (the API answers 503 instead of hanging);
            # the read timeout stays above the consumer's long poll.
            config=Config(connect_timeout=3, read_timeout=30, retries={"mode": "standard", "max_attempts": 3}),
        )
    if scheme in ("redis", "rediss", "unix"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=config.url, namespace=config.namespace, middleware=_middleware())
    if scheme == "stub":
        return StubBroker(middleware=_middleware())
    raise settings.ConfigError("BROKER_URL", f"unsupported scheme {scheme!r}")


def set_up_broker(config: BrokerSettings) -> dramatiq.Broker:
    """Build the broker, make it the global one, and declare every queue on it.

    Call before any actor is declared: an actor declared earlier silently binds
    to a default Redis broker.
    """
    broker = build_broker(config)
    dramatiq.set_broker(broker)
    for queue_name, _actor_name in ROUTES.values():
        broker.declare_queue(queue_name)
    return broker


def send(broker: dramatiq.Broker, message: GenerateCalendar | CalendarJobFinished) -> dramatiq.Message:
    """Enqueue `message` for the actor that consumes its type, without importing that actor."""
    queue_name, actor_name = ROUTES[type(message)]
    return broker.enqueue(
        dramatiq.Message(
            queue_name=queue_name,
            actor_name=actor_name,
            args=(to_dict(message),),
            kwargs={},
            options={},
        )
    )


def declare_actor(
    broker: dramatiq.Broker,
    message_type: type,
    fn: Callable[..., None],
    consumer: ConsumerSettings,
    *,
    throws: tuple[type[BaseException], ...] = (),
) -> dramatiq.Actor:
    """Declare the actor that consumes `message_type`, on its contracted queue and name; with the
    consumer's heartbeat when its settings ask for one (the images' health check reads it)."""
    queue_name, actor_name = ROUTES[message_type]
    if consumer.heartbeat_dir is not None:
        broker.add_middleware(Heartbeat(consumer.heartbeat_dir))
    return dramatiq.actor(
        fn,
        broker=broker,
        actor_name=actor_name,
        queue_name=queue_name,
        max_retries=consumer.max_retries,
        min_backoff=min(consumer.min_backoff_ms, MAX_BACKOFF_MS),
        max_backoff=min(consumer.max_backoff_ms, MAX_BACKOFF_MS),
        time_limit=consumer.time_limit_ms,
        throws=throws,
    )
