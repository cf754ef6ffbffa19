"""The Dramatiq broker from BROKER_URL (SQS or Redis; a stub for tests), and sending messages by name."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, CurrentMessage, ShutdownNotifications, TimeLimit
from pydantic import Field

from .messages import Message, to_dict
from .outage_retries import OutageRetries
from .routing import ALL_QUEUES, route_of
from .settings import BrokerUrl, ConfigError, EnvironmentSettings

# SQS refuses a DelaySeconds over 900 and dramatiq-sqs then acks the message:
# it is lost. Every backoff stays under this cap.
MAX_BACKOFF_MS = 900_000
DEFAULT_NAMESPACE = "taskoverflow"
# How long a consumer waits for a message on SQS at most (the long poll); every read timeout is above it.
MAX_LONG_POLL_S = 20
# A sender (the API's relay) never waits this long on a hung broker: well under gunicorn's timeout.
SENDER_READ_TIMEOUT_S = 5.0


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
    # A message that failed because the database or broker was away is retried with its own backoff,
    # up to this, without spending its retries (outage_retries.py): after an outage ends, work resumes
    # within this long.
    outage_max_backoff_ms: int = Field(30_000, ge=100, le=MAX_BACKOFF_MS, validation_alias="OUTAGE_MAX_BACKOFF_MS")

    @property
    def is_sqs(self) -> bool:
        return urlsplit(self.url).scheme == "sqs"


def _middleware(outage_max_backoff_ms: int = 30_000) -> list[dramatiq.Middleware]:
    return [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        OutageRetries(
            max_retries=3,
            min_backoff=1_000,
            max_backoff=MAX_BACKOFF_MS,
            outage_min_backoff_ms=min(1_000, outage_max_backoff_ms),
            outage_max_backoff_ms=outage_max_backoff_ms,
        ),
        CurrentMessage(),
    ]


def build_broker(config: BrokerSettings, *, read_timeout_s: float = MAX_LONG_POLL_S + 5) -> dramatiq.Broker:
    """A broker for `config.url`: sqs://, redis://, rediss:// or unix://. Every call to it gives up
    after `read_timeout_s` (a consumer's long poll needs more than a sender's send)."""
    scheme = urlsplit(config.url).scheme
    middleware = _middleware(config.outage_max_backoff_ms)
    if scheme == "sqs":
        # Imported here so a Redis deployment needs no AWS SDK at start-up cost.
        from botocore.config import Config

        from .sqs_broker import PoisonAwareSQSBroker

        sqs: dramatiq.Broker = PoisonAwareSQSBroker(
            namespace=config.namespace,
            middleware=middleware,
            dead_letter=True,
            visibility_timeout=config.visibility_timeout_s,
            region_name=config.region,
            endpoint_url=config.endpoint_url,
            # Fail fast when SQS is unreachable or hung: a bounded wait, then an outage to retry.
            config=Config(
                connect_timeout=2, read_timeout=read_timeout_s, retries={"mode": "standard", "max_attempts": 2}
            ),
        )
        return sqs
    if scheme in ("redis", "rediss", "unix"):
        import redis

        from .redis_wakeup import WakingRedisBroker

        # Dramatiq's Redis broker, with idle consumers woken by each send instead of polling; bounded
        # waits on Redis too (a client of our own: RedisBroker passes its own url's pool no timeouts).
        client = redis.Redis.from_url(config.url, socket_connect_timeout=2, socket_timeout=read_timeout_s)
        return WakingRedisBroker(client=client, namespace=config.namespace, middleware=middleware)  # type: ignore[no-untyped-call]
    raise ConfigError("BROKER_URL", f"unsupported scheme {scheme!r}")


def stub_broker(*, outage_max_backoff_ms: int = 30_000) -> StubBroker:
    """Dramatiq's in-memory broker with the same middleware as the real ones, every queue declared: for tests."""
    broker = StubBroker(middleware=_middleware(outage_max_backoff_ms))
    for queue_name in ALL_QUEUES:
        broker.declare_queue(queue_name)
    return broker


def set_up_broker(config: BrokerSettings, *, read_timeout_s: float = MAX_LONG_POLL_S + 5) -> dramatiq.Broker:
    """Build the broker, make it the global one, and declare every queue on it.

    Call before any actor is declared: an actor declared earlier silently binds
    to a default Redis broker.
    """
    broker = build_broker(config, read_timeout_s=read_timeout_s)
    dramatiq.set_broker(broker)
    for queue_name in ALL_QUEUES:
        broker.declare_queue(queue_name)
    return broker


def send(broker: dramatiq.Broker, message: Message) -> dramatiq.Message[None]:
    """Enqueue `message` for the actor that consumes its type, without importing that actor."""
    queue_name, actor_name = route_of(type(message))
    sent: dramatiq.Message[None] = broker.enqueue(
        dramatiq.Message(queue_name=queue_name, actor_name=actor_name, args=(to_dict(message),), kwargs={}, options={})
    )
    return sent


def broker_probe(config: BrokerSettings, *, timeout_s: float = 2.0) -> Callable[[], None]:
    """A readiness probe of the broker that raises (within about `timeout_s`) unless it answers:
    SQS names the calendar queue's URL, Redis answers PING."""
    if config.is_sqs:
        import boto3
        from botocore.config import Config

        sqs = boto3.client(
            "sqs",
            region_name=config.region,
            endpoint_url=config.endpoint_url,
            config=Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 1}),
        )
        queue_name = f"{config.namespace}_{ALL_QUEUES[0]}"

        def probe_sqs() -> None:
            sqs.get_queue_url(QueueName=queue_name)

        return probe_sqs

    import redis

    client = redis.Redis.from_url(config.url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)

    def probe_redis() -> None:
        client.ping()

    return probe_redis
