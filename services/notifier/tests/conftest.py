"""Fixtures for the notifier's tests: the in-memory notification store, the recording publisher, AWS
clients, and publishes lined up into one batch."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence

import boto3
import pytest

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_notifier.batching import BatchingPublisher
from taskoverflow_notifier.fakes import BatchRecorder, FakeNotificationStore, FakePublisher
from taskoverflow_notifier.handler import NotificationHandler
from taskoverflow_notifier.notification import Notification

BASE_URL = "https://todos.example"
REGION = "us-east-1"


@pytest.fixture
def store() -> FakeNotificationStore:
    return FakeNotificationStore()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def handler(store: FakeNotificationStore, publisher: FakePublisher) -> NotificationHandler:
    return NotificationHandler(store, publisher, base_url=BASE_URL)


@pytest.fixture
def job_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def sns(aws_endpoint: str):
    return boto3.client(
        "sns", endpoint_url=aws_endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


@pytest.fixture
def sqs(aws_endpoint: str):
    return boto3.client(
        "sqs", endpoint_url=aws_endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


@pytest.fixture
def topic_arn(sns) -> str:
    """A new topic for the test: moto keeps every message ever published, so tests never share one."""
    return sns.create_topic(Name=f"notifier-test-{uuid.uuid4().hex[:12]}")["TopicArn"]


@pytest.fixture
def subscribe_queue(sns, sqs, topic_arn: str):
    """subscribe_queue(raw=...) -> the URL of a new SQS queue receiving the topic's messages."""

    def subscribe(*, raw: bool) -> str:
        url = sqs.create_queue(QueueName=f"notifier-sub-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # moto delivers without the queue policy AWS would need (sqs:SendMessage for the topic).
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
            ReturnSubscriptionArn=True,
        )
        return url

    return subscribe


Outcomes = dict[str, str | BaseException]  # job id -> the message id publish returned, or what it raised
LineUp = Callable[[BatchingPublisher, BatchRecorder, Notification, Sequence[Notification]], Outcomes]


@pytest.fixture
def publish_lined_up() -> LineUp:
    """publish_lined_up(publisher, recorder, first, rest): `first` is published alone and its call held
    until each of `rest`, published from a thread of its own, waits; so `rest` leaves as the next
    batch (or batches, beyond ten). What each publish returned or raised, by job id."""

    def line_up(
        publisher: BatchingPublisher, recorder: BatchRecorder, first: Notification, rest: Sequence[Notification]
    ) -> Outcomes:
        outcomes: Outcomes = {}

        def publish(notification: Notification) -> None:
            try:
                outcomes[notification.job_id] = publisher.publish(notification)
            except BaseException as exc:  # noqa: BLE001 - the test asserts on what each publish raised
                outcomes[notification.job_id] = exc

        # Daemons: a publish that never returns fails the test below rather than hanging the run.
        threads = [threading.Thread(target=publish, args=(n,), daemon=True) for n in [first, *rest]]
        recorder.hold()
        try:
            threads[0].start()
            assert recorder.called.wait(30), "the first publish never reached publish_batch"
            for thread in threads[1:]:
                thread.start()
            wait_until(lambda: publisher.waiting == len(rest), timeout=30, what=f"{len(rest)} publishes waiting")
        finally:
            recorder.release()
            for thread in threads:
                thread.join(30)
        assert not any(thread.is_alive() for thread in threads), "a publish never returned"
        return outcomes

    return line_up
