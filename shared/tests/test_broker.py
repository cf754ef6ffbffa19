"""The broker wiring on Dramatiq's stub broker: messages reach the contracted queue and actor; config fails by name."""

from __future__ import annotations

from collections.abc import Iterator

import dramatiq
import dramatiq.broker
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries
from dramatiq_sqs import SQSBroker

from taskoverflow_shared.broker import MAX_BACKOFF_MS, BrokerSettings, build_broker, send, stub_broker
from taskoverflow_shared.consumer import ConsumerSettings, declare_actor
from taskoverflow_shared.messages import CalendarJobFinished, GenerateCalendar, from_actor_arguments, to_dict
from taskoverflow_shared.settings import ConfigError

JOB_ID = "0b7e3c5e-8a51-4d6f-9f3a-2f1f3c4d5e6f"
# Message type, an example, and the queue and actor name every service relies on.
CONTRACT = [
    (GenerateCalendar, GenerateCalendar(job_id=JOB_ID, correlation_id="req-1"), "ical", "generate_calendar"),
    (
        CalendarJobFinished,
        CalendarJobFinished(job_id=JOB_ID, status="SUCCESS", event_count=2, correlation_id="req-1"),
        "notifications",
        "notify_calendar_job_finished",
    ),
]
CONTRACT_IDS = ["generate", "finished"]


def _consumer(**options: int) -> ConsumerSettings:
    # model_construct: past the settings' own range checks, to see declare_actor's own cap.
    return ConsumerSettings.model_construct(processes=1, threads=1, idle_poll_ms=10, **options)


@pytest.fixture
def broker() -> Iterator[StubBroker]:
    previous = dramatiq.broker.global_broker
    broker = stub_broker()
    dramatiq.set_broker(broker)
    yield broker
    broker.flush_all()
    broker.close()
    dramatiq.broker.global_broker = previous


def queued(broker: StubBroker, queue_name: str) -> list[dramatiq.Message]:
    queue = broker.queues[queue_name]
    return [dramatiq.Message.decode(queue.get_nowait()) for _ in range(queue.qsize())]


@pytest.mark.parametrize(("message_type", "message", "queue_name", "actor_name"), CONTRACT, ids=CONTRACT_IDS)
def test_send_puts_the_message_on_its_contracted_queue_for_its_actor(
    broker, message_type, message, queue_name, actor_name
):
    send(broker, message)

    (sent,) = queued(broker, queue_name)
    assert (sent.queue_name, sent.actor_name) == (queue_name, actor_name)
    assert (tuple(sent.args), sent.kwargs) == ((to_dict(message),), {})
    assert from_actor_arguments(message_type, tuple(sent.args), sent.kwargs) == message
    other_queue = "notifications" if queue_name == "ical" else "ical"
    assert queued(broker, other_queue) == []


@pytest.mark.parametrize(("message_type", "message", "queue_name", "actor_name"), CONTRACT, ids=CONTRACT_IDS)
def test_a_declared_actor_receives_what_send_sent(broker, message_type, message, queue_name, actor_name):
    # Given an actor declared for the message type, and a worker
    received = []

    def consume(*args, **kwargs) -> None:
        received.append(from_actor_arguments(message_type, args, kwargs))

    actor = declare_actor(
        broker,
        message_type,
        consume,
        _consumer(max_retries=0, min_backoff_ms=10, max_backoff_ms=100, time_limit_ms=10_000),
    )
    assert (actor.actor_name, actor.queue_name) == (actor_name, queue_name)
    worker = dramatiq.Worker(broker, worker_timeout=100)
    worker.start()
    try:
        # When the message is sent without importing the actor
        send(broker, message)
        broker.join(queue_name)
        worker.join()
    finally:
        worker.stop()

    # Then the actor got exactly that message
    assert received == [message]


def test_declare_actor_caps_backoffs_below_what_sqs_can_delay(broker):
    actor = declare_actor(
        broker,
        GenerateCalendar,
        lambda *a, **k: None,
        _consumer(max_retries=20, min_backoff_ms=2_000_000, max_backoff_ms=3_600_000, time_limit_ms=60_000),
    )

    assert MAX_BACKOFF_MS == 900_000
    assert (actor.options["min_backoff"], actor.options["max_backoff"]) == (900_000, 900_000)
    assert (actor.options["max_retries"], actor.options["time_limit"]) == (20, 60_000)


def test_declare_actor_keeps_backoffs_under_the_cap(broker):
    actor = declare_actor(
        broker,
        CalendarJobFinished,
        lambda *a, **k: None,
        _consumer(max_retries=3, min_backoff_ms=1_000, max_backoff_ms=60_000, time_limit_ms=5_000),
    )

    assert (actor.options["min_backoff"], actor.options["max_backoff"]) == (1_000, 60_000)


def test_a_late_retry_is_delayed_no_more_than_sqs_allows(broker):
    # Given an actor asking for backoffs up to an hour, and a message already retried 20 times
    declare_actor(
        broker,
        GenerateCalendar,
        lambda *a, **k: None,
        _consumer(max_retries=50, min_backoff_ms=1_000, max_backoff_ms=3_600_000, time_limit_ms=60_000),
    )
    message = dramatiq.Message(
        queue_name="ical", actor_name="generate_calendar", args=({},), kwargs={}, options={"retries": 20}
    )
    delays = []
    enqueue = broker.enqueue
    broker.enqueue = lambda msg, *, delay=None: delays.append(delay) or enqueue(msg, delay=delay)

    # When it fails again
    (retries,) = [m for m in broker.middleware if isinstance(m, Retries)]
    retries.after_process_message(broker, dramatiq.MessageProxy(message), exception=RuntimeError("boom"))

    # Then it is re-enqueued with a delay SQS accepts (DelaySeconds <= 900)
    (delay,) = delays
    assert 450_000 <= delay <= 900_000


def test_every_broker_retries_with_capped_backoff(broker):
    (retries,) = [m for m in broker.middleware if isinstance(m, Retries)]

    assert retries.max_backoff == 900_000


def test_an_sqs_url_builds_an_sqs_broker_with_dead_letters():
    sqs = build_broker(BrokerSettings(url="sqs://", region="eu-west-1"))

    assert isinstance(sqs, SQSBroker)
    assert (sqs.dead_letter, sqs.visibility_timeout, sqs.namespace) == (True, 300, "taskoverflow")
    assert sqs.sqs.meta.client.meta.region_name == "eu-west-1"
    (retries,) = [m for m in sqs.middleware if isinstance(m, Retries)]
    assert retries.max_backoff == 900_000


def test_sqs_visibility_timeout_and_endpoint_come_from_settings():
    sqs = build_broker(
        BrokerSettings(url="sqs://", namespace="demo", endpoint_url="http://localhost:4566", visibility_timeout_s=120)
    )

    assert (sqs.visibility_timeout, sqs.namespace) == (120, "demo")
    assert sqs.sqs.meta.client.meta.endpoint_url == "http://localhost:4566"


def test_a_redis_url_builds_a_redis_broker():
    redis = build_broker(BrokerSettings(url="redis://localhost:6379/0", namespace="demo"))

    assert isinstance(redis, RedisBroker)
    assert redis.namespace == "demo"


def test_an_unknown_scheme_is_a_config_error_naming_broker_url():
    with pytest.raises(ConfigError) as caught:
        # Past the settings' own check (as a hand-built settings object could be).
        build_broker(BrokerSettings.model_construct(url="amqp://localhost"))

    assert caught.value.name == "BROKER_URL"
    assert "amqp" in str(caught.value)


def test_settings_from_env():
    config = BrokerSettings.from_env(
        {
            "BROKER_URL": "sqs://",
            "QUEUE_NAMESPACE": "demo",
            "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": "http://localhost:4566",
            "SQS_VISIBILITY_TIMEOUT": "600",
        }
    )

    assert config == BrokerSettings(
        url="sqs://",
        namespace="demo",
        region="eu-west-1",
        endpoint_url="http://localhost:4566",
        visibility_timeout_s=600,
    )
    assert BrokerSettings.from_env({"BROKER_URL": "redis://r:6379/0"}) == BrokerSettings(url="redis://r:6379/0")


@pytest.mark.parametrize("url", ["ftp://files.example", "http://localhost:6379", "localhost:6379", "stub://"])
def test_settings_refuse_a_broker_url_of_another_scheme(url):
    with pytest.raises(ConfigError) as caught:
        BrokerSettings.from_env({"BROKER_URL": url})

    assert caught.value.name == "BROKER_URL"
    assert str(caught.value).startswith("BROKER_URL: ")


def test_settings_require_a_broker_url():
    with pytest.raises(ConfigError) as caught:
        BrokerSettings.from_env({})

    assert caught.value.name == "BROKER_URL"


@pytest.mark.parametrize("value", ["abc", "30s", "1.5", "29", "43201"])
def test_settings_refuse_a_visibility_timeout_that_is_not_an_integer_in_range(value):
    with pytest.raises(ConfigError) as caught:
        BrokerSettings.from_env({"BROKER_URL": "sqs://", "SQS_VISIBILITY_TIMEOUT": value})

    assert caught.value.name == "SQS_VISIBILITY_TIMEOUT"
    assert repr(value) in str(caught.value) or value in str(caught.value)
