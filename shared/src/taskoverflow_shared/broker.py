"""The Dramatiq broker from BROKER_URL (SQS or Redis; a stub for tests), and sending messages by name."""

from __future__ import annotations

from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, CurrentMessage, Retries, ShutdownNotifications, TimeLimit
from pydantic import Field

from .messages import Message, to_dict
from .routing import ALL_QUEUES, route_of
from .settings import BrokerUrl, ConfigError, EnvironmentSettings

# SQS refuses a DelaySeconds over 900 and dramatiq-sqs then acks the message:
# it is lost. Every backoff stays under this cap.
MAX_BACKOFF_MS = 900_000
DEFAULT_NAMESPACE = "taskoverflow"


class BrokerSettings(EnvironmentSettings):
    """Where messages go: every service that sends or consumes reads these."""

    url: BrokerUrl = Field(validation_alias="BROKER_URL")
    namespace: str = Field(DEFAULT_NAMESPACE, validation_alias="QUEUE_NAMESPACE")
    region: str = Field("us-east-1", validation_alias="AWS_REGION")
    # A local AWS emulator; unset on AWS.
    endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    # Longer than any actor's time limit, or a slow job is delivered twice;
    # far shorter than SQS's 12 h default, or a crashed worker's job waits that long.
    visibility_timeout_s: int = Field(300, ge=30, le=43_200, validation_alias="SQS_VISIBILITY_TIMEOUT")

    @property
    def is_sqs(self) -> bool:
        return urlsplit(self.url).scheme == "sqs"


def _middleware() -> list[dramatiq.Middleware]:
    return [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Retries(max_retries=3, min_backoff=1_000, max_backoff=MAX_BACKOFF_MS),
        CurrentMessage(),
    ]


def build_broker(config: BrokerSettings) -> dramatiq.Broker:
    """A broker for `config.url`: sqs://, redis://, rediss:// or unix://."""
    scheme = urlsplit(config.url).scheme
    if scheme == "sqs":
        # Imported here so a Redis deployment needs no AWS SDK at start-up cost.
        from botocore.config import Config
        from dramatiq_sqs import SQSBroker

        sqs: dramatiq.Broker = SQSBroker(
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
        return sqs
    if scheme in ("redis", "rediss", "unix"):
        from .redis_wakeup import WakingRedisBroker

        # Dramatiq's Redis broker, with idle consumers woken by each send instead of polling.
        return WakingRedisBroker(url=config.url, namespace=config.namespace, middleware=_middleware())  # type: ignore[no-untyped-call]
    raise ConfigError("BROKER_URL", f"unsupported scheme {scheme!r}")


def stub_broker() -> StubBroker:
    """Dramatiq's in-memory broker with the same middleware as the real ones, every queue declared: for tests."""
    broker = StubBroker(middleware=_middleware())
    for queue_name in ALL_QUEUES:
        broker.declare_queue(queue_name)
    return broker


def set_up_broker(config: BrokerSettings) -> dramatiq.Broker:
    """Build the broker, make it the global one, and declare every queue on it.

    Call before any actor is declared: an actor declared earlier silently binds
    to a default Redis broker.
    """
    broker = build_broker(config)
    dramatiq.set_broker(broker)
    for queue_name in ALL_QUEUES:
        broker.declare_queue(queue_name)
    return broker


def _counts_whole_seconds(broker: dramatiq.Broker) -> bool:
    return type(broker).__module__.startswith("dramatiq_sqs")


def send(broker: dramatiq.Broker, message: Message, *, delay_ms: int | None = None) -> dramatiq.Message[None]:
    """Enqueue `message` for the actor that consumes its type, without importing that actor;
    `delay_ms`: not to be handled before then (on SQS rounded up to whole seconds)."""
    queue_name, actor_name = route_of(type(message))
    if delay_ms and _counts_whole_seconds(broker):
        # dramatiq-sqs floors the delay to seconds: 500 ms would be no delay at all.
        delay_ms = -(-delay_ms // 1000) * 1000
    sent: dramatiq.Message[None] = broker.enqueue(
        dramatiq.Message(queue_name=queue_name, actor_name=actor_name, args=(to_dict(message),), kwargs={}, options={}),
        delay=delay_ms,
    )
    return sent
