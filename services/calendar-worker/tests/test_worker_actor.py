"""The generate_calendar actor as bootstrap wires it, on Dramatiq's stub broker with a real worker:
retries until the last attempt, which ends the job FAILURE and announces it once; an undecodable
message fails its job and is dead-lettered without retries, and so is one for a job that does not
exist; a database outage spends no retry."""

from __future__ import annotations

import dramatiq
import psycopg2
import pytest
from dramatiq.brokers.stub import StubBroker

from taskoverflow_calendar_worker.bootstrap import CalendarWorker, bootstrap
from taskoverflow_calendar_worker.config import WorkerConsumerSettings, WorkerSettings
from taskoverflow_calendar_worker.fakes import FakeJobStore
from taskoverflow_calendar_worker.feed_fakes import FakeFeedCalendarStore
from taskoverflow_devstack.stub_worker import consume_until_idle
from taskoverflow_shared.broker import BrokerSettings, send
from taskoverflow_shared.broker import stub_broker as new_stub_broker
from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import CalendarJobFinished, GenerateCalendar, from_actor_arguments
from taskoverflow_shared.routing import GENERATE_CALENDAR_ACTOR, ICAL_QUEUE, NOTIFICATIONS_QUEUE

MAX_RETRIES = 2
TODO = {"id": 1, "title": "Pay rent", "completed": False, "deadline_at": "2026-12-01T09:00:00"}
SETTINGS = WorkerSettings(
    database_url="postgresql://unused/x",
    broker=BrokerSettings(url="redis://unused:6379/0"),
    # Backoffs of a few milliseconds: the retries happen for real, quickly.
    consumer=WorkerConsumerSettings(max_retries=MAX_RETRIES, min_backoff_ms=1, max_backoff_ms=5, threads=1),
)


@pytest.fixture
def broker(stub_broker: StubBroker) -> StubBroker:
    return stub_broker


@pytest.fixture
def store() -> FakeJobStore:
    return FakeJobStore()


@pytest.fixture
def worker(broker: StubBroker, store: FakeJobStore) -> CalendarWorker:
    return bootstrap(SETTINGS, broker=broker, store=store, feed_store=FakeFeedCalendarStore())


def run_until_idle(broker: StubBroker) -> None:
    consume_until_idle(broker, ICAL_QUEUE)


def announced(broker: StubBroker) -> list[CalendarJobFinished]:
    queue = broker.queues[NOTIFICATIONS_QUEUE]
    messages = [dramatiq.Message.decode(queue.get_nowait()) for _ in range(queue.qsize())]
    return [from_actor_arguments(CalendarJobFinished, tuple(m.args), m.kwargs) for m in messages]


def test_a_job_is_built_and_announced(worker, broker, store) -> None:
    job_id = store.add([TODO])

    send(broker, GenerateCalendar(job_id=job_id, correlation_id="req-1"))
    run_until_idle(broker)

    row = store.rows[job_id]
    assert (row.status, row.attempts, row.event_count) == (JobStatus.SUCCESS, 1, 1)
    assert [(m.job_id, m.status, m.correlation_id) for m in announced(broker)] == [(job_id, "SUCCESS", "req-1")]


def test_a_failing_job_is_retried_then_its_last_attempt_ends_it_failure_announced_once(worker, broker, store) -> None:
    # Given a job whose snapshot the builder cannot read
    job_id = store.add([{**TODO, "deadline_at": "not a date"}])

    # When its message is processed, with every retry Dramatiq makes
    send(broker, GenerateCalendar(job_id=job_id))
    run_until_idle(broker)

    # Then every attempt ran, the last ended the job FAILURE (not a retry), and it was announced once
    row = store.rows[job_id]
    assert (row.status, row.attempts) == (JobStatus.FAILURE, MAX_RETRIES + 1)
    assert "not a date" in row.error
    [finished] = announced(broker)
    assert (finished.job_id, finished.status) == (job_id, "FAILURE")
    assert broker.dead_letters == []


def test_an_undecodable_message_fails_its_job_and_is_dead_lettered_without_retries(worker, broker, store) -> None:
    job_id = store.add([TODO])
    body = {"type": "generate_calendar", "version": 99, "job_id": job_id}

    broker.enqueue(
        dramatiq.Message(queue_name=ICAL_QUEUE, actor_name=GENERATE_CALENDAR_ACTOR, args=(body,), kwargs={}, options={})
    )
    run_until_idle(broker)

    row = store.rows[job_id]
    assert (row.status, row.attempts) == (JobStatus.FAILURE, 0)
    assert "version" in row.error
    assert [m.args[0]["job_id"] for m in broker.dead_letters] == [job_id]
    assert [m.status for m in announced(broker)] == ["FAILURE"]


def test_a_message_for_a_job_that_does_not_exist_is_dead_lettered_at_once(worker, broker, store) -> None:
    send(broker, GenerateCalendar(job_id="00000000-0000-4000-8000-000000000000"))
    run_until_idle(broker)

    [dead] = broker.dead_letters
    assert dead.options.get("retries", 0) == 0
    assert announced(broker) == []


def test_a_database_outage_longer_than_every_retry_neither_spends_them_nor_dead_letters(store) -> None:
    # Given a worker whose database refuses the first 2 x MAX_RETRIES + 1 deliveries
    broker = new_stub_broker(outage_max_backoff_ms=5)
    bootstrap(SETTINGS, broker=broker, store=store, feed_store=FakeFeedCalendarStore())
    job_id = store.add([TODO])
    start, refusals = store.start, []

    def start_while_the_database_is_away(started_id: str):
        if len(refusals) <= 2 * MAX_RETRIES:
            refusals.append(started_id)
            raise psycopg2.OperationalError("could not connect to server: Connection refused")
        return start(started_id)

    store.start = start_while_the_database_is_away

    # When its message is processed until the queue is idle
    send(broker, GenerateCalendar(job_id=job_id))
    run_until_idle(broker)

    # Then it was delivered through the outage, and built once the database was back
    assert len(refusals) == 2 * MAX_RETRIES + 1
    assert (store.rows[job_id].status, store.rows[job_id].attempts) == (JobStatus.SUCCESS, 1)
    assert [m.status for m in announced(broker)] == ["SUCCESS"]
    assert broker.dead_letters == []
    broker.close()
