"""The notifier as its image runs it (`python -m taskoverflow_notifier`) over SQS and SNS on the emulator."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import psycopg2
import pytest

from taskoverflow_devstack.services import run_consumer, service_env
from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.broker import BrokerSettings, build_broker, send
from taskoverflow_shared.messages import CalendarJobFinished
from taskoverflow_shared.provisioning import provision_queues
from taskoverflow_shared.routing import NOTIFICATIONS_QUEUE, NOTIFY_JOB_FINISHED_ACTOR

pytestmark = pytest.mark.integration
MAX_RETRIES = 1


def start_notifier(env: dict[str, str], log_path: Path):
    return run_consumer("taskoverflow_notifier", env, log_path=log_path)


@pytest.fixture
def notifier_env(aws_endpoint: str, clean_database: str, topic_arn: str) -> dict[str, str]:
    env = service_env(
        DATABASE_URL=clean_database,
        BROKER_URL="sqs://",
        AWS_ENDPOINT_URL=aws_endpoint,
        AWS_REGION="us-east-1",
        QUEUE_NAMESPACE=f"notifier{uuid.uuid4().hex[:8]}",
        SQS_VISIBILITY_TIMEOUT="60",
        SNS_TOPIC_ARN=topic_arn,
        PUBLIC_BASE_URL="https://todos.example",
        # One thread: the two deliveries of a test run one after the other, never racing for the claim.
        NOTIFY_THREADS="1",
        NOTIFY_MAX_RETRIES=str(MAX_RETRIES),
        NOTIFY_MIN_BACKOFF_MS="100",
        NOTIFY_MAX_BACKOFF_MS="200",
        NOTIFY_TIME_LIMIT_MS="20000",
        NOTIFY_CLAIM_LEASE_S="30",
    )
    provision_queues(env)
    return env


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "notifier.log"


@pytest.fixture
def broker(notifier_env: dict[str, str]) -> Iterator[dramatiq.Broker]:
    """A broker as the calendar-worker has one: it sends to the notifier's queue without importing it."""
    broker = build_broker(BrokerSettings.from_env(notifier_env))
    broker.declare_queue(NOTIFICATIONS_QUEUE)
    yield broker
    broker.close()


def log_events(log_path: Path) -> list[dict]:
    lines = (json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{"))
    return [line for line in lines if "event" in line]


def wait_for_event(log_path: Path, event: str, count: int = 1) -> list[dict]:
    found: list[dict] = []

    def seen() -> bool:
        found[:] = [line for line in log_events(log_path) if line["event"] == event]
        return len(found) >= count

    # A line being written may not parse yet: not there yet.
    wait_until(seen, timeout=30, what=f"{count} x {event!r} in the notifier's log", ignoring=(ValueError,))
    return found


def drain(sqs, queue_url: str, *, at_least: int = 1) -> list[dict]:
    """Receive and delete until at least `at_least` came and the queue is empty (with a deadline)."""
    messages: list[dict] = []

    def received_all() -> bool:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        messages.extend(batch)
        return len(messages) >= at_least and not batch

    wait_until(received_all, timeout=20, what=f"{at_least} message(s) in {queue_url}", interval=0)
    return messages


def dead_lettered(sqs, env: dict[str, str]) -> list[dict]:
    url = sqs.get_queue_url(QueueName=f"{env['QUEUE_NAMESPACE']}_{NOTIFICATIONS_QUEUE}_dlq")["QueueUrl"]
    return [json.loads(base64.b64decode(m["Body"])) for m in drain(sqs, url)]


def notification_row(database_url: str, job_id: str) -> tuple | None:
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT claimed_at IS NOT NULL, published_at IS NOT NULL FROM notifications WHERE job_id = %s", (job_id,)
        )
        row = cur.fetchone()
    conn.close()
    return row


def test_a_job_end_sent_twice_reaches_subscribers_once(notifier_env, broker, log_path, sqs, subscribe_queue) -> None:
    # Given a subscriber and the notifier running
    subscriber = subscribe_queue(raw=True)
    job_id = str(uuid.uuid4())
    finished = CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=4, correlation_id="corr-e2e")
    with start_notifier(notifier_env, log_path):
        # When the same job end arrives twice (a redelivery, or the worker announcing again)
        send(broker, finished)
        send(broker, finished)
        wait_for_event(log_path, "notification_already_published")

    # Then the subscriber got one message, and the log shows what was sent
    [message] = drain(sqs, subscriber)
    assert f"https://todos.example/api/v1/todos/ical/{job_id}/result" in message["Body"]
    assert message["MessageAttributes"]["status"]["StringValue"] == "SUCCESS"
    [published] = [line for line in log_events(log_path) if line["event"] == "notification_published"]
    assert (published["job_id"], published["correlation_id"]) == (job_id, "corr-e2e")
    assert published["body"] == message["Body"]
    assert published["subject"] == "TaskOverflow: your calendar is ready"


def test_when_sns_refuses_the_message_is_retried_then_dead_lettered(
    notifier_env, broker, log_path, sns, sqs, topic_arn
) -> None:
    # Given the topic is gone (SNS answers NotFound to every publish)
    sns.delete_topic(TopicArn=topic_arn)
    job_id = str(uuid.uuid4())
    with start_notifier(notifier_env, log_path):
        # When a job end arrives
        send(broker, CalendarJobFinished(job_id=job_id, status="FAILURE", error="ValueError: bad deadline"))
        failures = wait_for_event(log_path, "notification_publish_failed", count=MAX_RETRIES + 1)
        dead = dead_lettered(sqs, notifier_env)

    # Then every attempt failed, the message is in the dead-letter queue, and the claim was let go
    assert {line["job_id"] for line in failures} == {job_id}
    assert [(m["actor_name"], m["args"][0]["job_id"]) for m in dead] == [(NOTIFY_JOB_FINISHED_ACTOR, job_id)]
    assert notification_row(notifier_env["DATABASE_URL"], job_id) == (False, False)


def test_an_undecodable_message_is_dead_lettered_at_once(notifier_env, broker, log_path, sqs) -> None:
    body = {"type": "calendar_job_finished", "version": 1, "job_id": str(uuid.uuid4()), "status": "DONE"}
    with start_notifier(notifier_env, log_path):
        broker.enqueue(
            dramatiq.Message(
                queue_name=NOTIFICATIONS_QUEUE,
                actor_name=NOTIFY_JOB_FINISHED_ACTOR,
                args=(body,),
                kwargs={},
                options={},
            )
        )
        [undecodable] = wait_for_event(log_path, "message_undecodable")
        dead = dead_lettered(sqs, notifier_env)

    assert undecodable["job_id"] == body["job_id"]
    assert [m["args"][0] for m in dead] == [body]
    assert "notification_publish_failed" not in {line["event"] for line in log_events(log_path)}


def test_a_job_end_claimed_by_a_delivery_that_died_is_published_after_the_lease(
    notifier_env, broker, log_path, sqs, subscribe_queue
) -> None:
    subscriber = subscribe_queue(raw=True)
    job_id = str(uuid.uuid4())
    with start_notifier(notifier_env, log_path):
        # Given a delivery claimed this job end 25 s ago (the lease is 30 s) and never confirmed
        conn = psycopg2.connect(notifier_env["DATABASE_URL"])
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO notifications (job_id, status, claimed_at)"
                " VALUES (%s, 'SUCCESS', now() - interval '25 s')",
                (job_id,),
            )
        conn.close()

        # When its message comes back
        send(broker, CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=1))
        wait_for_event(log_path, "notification_published")

    # Then it was not dropped as "in flight": it was retried when the lease ran out, and published
    assert [line["event"] for line in log_events(log_path) if line.get("job_id") == job_id] == [
        "notification_in_flight",
        "notification_published",
    ]
    [message] = drain(sqs, subscriber)
    assert message["MessageAttributes"]["job_id"]["StringValue"] == job_id
