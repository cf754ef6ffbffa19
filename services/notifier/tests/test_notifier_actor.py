"""The notify_calendar_job_finished actor as bootstrap wires it, on Dramatiq's stub broker with a real
worker and fakes: a job end is published once; a job end another delivery holds is retried when its
lease ends (not dropped); a publish that keeps failing is retried, then dead-lettered."""

from __future__ import annotations

import uuid

import pytest
from dramatiq.brokers.stub import StubBroker

from taskoverflow_devstack.stub_worker import consume_until_idle
from taskoverflow_notifier.bootstrap import bootstrap
from taskoverflow_notifier.config import NotifierConsumerSettings, NotifierSettings
from taskoverflow_notifier.fakes import FakeNotificationStore, FakePublisher
from taskoverflow_shared.broker import BrokerSettings, send
from taskoverflow_shared.messages import CalendarJobFinished
from taskoverflow_shared.routing import NOTIFICATIONS_QUEUE

MAX_RETRIES = 2
SETTINGS = NotifierSettings(
    database_url="postgresql://unused/x",
    broker=BrokerSettings(url="redis://unused:6379/0"),
    sns_topic_arn="arn:aws:sns:us-east-1:123456789012:unused",
    consumer=NotifierConsumerSettings(max_retries=MAX_RETRIES, min_backoff_ms=1, max_backoff_ms=5, threads=1),
)


@pytest.fixture
def broker(stub_broker: StubBroker) -> StubBroker:
    return stub_broker


@pytest.fixture
def store() -> FakeNotificationStore:
    return FakeNotificationStore(lease_s=300)


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture(autouse=True)
def notifier(broker: StubBroker, store: FakeNotificationStore, publisher: FakePublisher) -> None:
    bootstrap(SETTINGS, broker=broker, store=store, publisher=publisher)


def run_until_idle(broker: StubBroker) -> None:
    consume_until_idle(broker, NOTIFICATIONS_QUEUE)


def finished(job_id: str) -> CalendarJobFinished:
    return CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=2)


def test_a_job_end_sent_twice_is_published_once(broker, publisher) -> None:
    job_id = str(uuid.uuid4())

    send(broker, finished(job_id))
    send(broker, finished(job_id))
    run_until_idle(broker)

    assert [n.job_id for n in publisher.sent] == [job_id]


def test_a_job_end_another_delivery_holds_is_retried_when_the_lease_ends_not_dropped(broker, store, publisher) -> None:
    # Given another delivery claimed this job end and went quiet; half a second of its lease is left
    job_id = str(uuid.uuid4())
    store.claim(job_id, "SUCCESS", "TaskOverflow: your calendar is ready")
    store.advance(299.5)
    claims = []
    claim = store.claim

    def claim_then_a_second_passes(*args: str):
        claims.append(result := claim(*args))
        store.advance(1)  # the fake's clock moves only when told: a second between deliveries
        return result

    store.claim = claim_then_a_second_passes

    # When this delivery comes
    send(broker, finished(job_id))
    run_until_idle(broker)

    # Then it found the claim in flight and was retried (not acked), and the retry, after the lease,
    # took the claim over and published
    assert [c.state.value for c in claims] == ["in_flight", "owned"]
    assert [n.job_id for n in publisher.sent] == [job_id]
    assert broker.dead_letters == []


def test_a_publish_that_keeps_failing_is_retried_then_dead_lettered(broker, store, publisher) -> None:
    job_id = str(uuid.uuid4())
    publisher.error = ConnectionError("SNS unreachable")

    send(broker, finished(job_id))
    run_until_idle(broker)

    assert publisher.sent == []
    assert [m.args[0]["job_id"] for m in broker.dead_letters] == [job_id]
    # Every attempt let go of its claim: a later delivery may publish at once.
    assert store.claim(job_id, "SUCCESS", "subject").state.value == "owned"
