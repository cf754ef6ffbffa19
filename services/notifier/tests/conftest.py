"""Fixtures for the notifier's tests: an in-memory notification store, the recording publisher, AWS clients."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from taskoverflow_notifier.handler import NotificationHandler
from taskoverflow_notifier.notification_store import Claim, ClaimState
from taskoverflow_notifier.publishers import FakePublisher

BASE_URL = "https://todos.example"
REGION = "us-east-1"


@dataclasses.dataclass
class NotificationRow:
    subject: str
    claimed_at: datetime | None
    published_at: datetime | None = None
    sns_message_id: str | None = None


class FakeNotificationStore:
    """NotificationStore's semantics in memory, on a clock the test moves (`advance`)."""

    def __init__(self, *, lease_s: int = 300) -> None:
        self.lease = timedelta(seconds=lease_s)
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        self.rows: dict[tuple[str, str], NotificationRow] = {}
        self.confirm_error: Exception | None = None

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def claim(self, job_id: str, status: str, subject: str) -> Claim:
        row = self.rows.get((job_id, status))
        if row is None or (
            row.published_at is None and (row.claimed_at is None or row.claimed_at < self.now - self.lease)
        ):
            self.rows[(job_id, status)] = NotificationRow(subject, claimed_at=self.now)
            return Claim(job_id, status, ClaimState.OWNED, token=self.now)
        if row.published_at is not None:
            return Claim(job_id, status, ClaimState.PUBLISHED, sns_message_id=row.sns_message_id)
        left = (row.claimed_at + self.lease - self.now).total_seconds()
        return Claim(job_id, status, ClaimState.IN_FLIGHT, lease_left_s=max(0.0, left))

    def confirm(self, claim: Claim, sns_message_id: str) -> None:
        if self.confirm_error is not None:
            raise self.confirm_error
        row = self.rows[(claim.job_id, claim.status)]
        if row.published_at is None:
            row.published_at, row.sns_message_id = self.now, sns_message_id

    def release(self, claim: Claim) -> None:
        row = self.rows[(claim.job_id, claim.status)]
        if row.published_at is None and row.claimed_at == claim.token:
            row.claimed_at = None


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
