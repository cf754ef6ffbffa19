"""Fixtures for the notifier's tests: the in-memory notification store, the recording publisher, AWS clients."""

from __future__ import annotations

import uuid

import boto3
import pytest

from taskoverflow_notifier.fakes import FakeNotificationStore, FakePublisher
from taskoverflow_notifier.handler import NotificationHandler

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
