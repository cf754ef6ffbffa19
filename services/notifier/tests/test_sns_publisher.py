"""SnsPublisher on the emulator's SNS, read back through SQS subscriptions as a subscriber would see it."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_notifier.notification import compose
from taskoverflow_notifier.sns import SnsPublisher
from taskoverflow_shared.messages import CalendarJobFinished

pytestmark = pytest.mark.integration


def receive_one(sqs, queue_url: str) -> dict:
    """The one message in the queue; fails if none arrives within the deadline or more than one is there."""

    def received() -> list[dict]:
        return sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])

    messages = wait_until(received, timeout=10, what=f"a message in {queue_url}", interval=0)
    assert len(messages) == 1, messages
    return messages[0]


def test_a_published_notification_reaches_a_subscriber_with_its_text_and_attributes(
    aws_endpoint, sqs, topic_arn, subscribe_queue, job_id
) -> None:
    # Given a queue subscribed raw (the message as sent) and one with SNS's JSON envelope
    raw_queue = subscribe_queue(raw=True)
    envelope_queue = subscribe_queue(raw=False)
    notification = compose(
        CalendarJobFinished(job_id=job_id, status="FAILURE", error="ValueError: bad deadline"),
        base_url="https://todos.example",
    )

    # When the real adapter publishes
    message_id = SnsPublisher(topic_arn, region="us-east-1", endpoint_url=aws_endpoint).publish(notification)

    # Then the raw subscriber gets the body and the filterable String attributes
    raw = receive_one(sqs, raw_queue)
    assert raw["Body"] == notification.body
    assert {name: (a["DataType"], a["StringValue"]) for name, a in raw["MessageAttributes"].items()} == {
        "event_type": ("String", "calendar_job.finished"),
        "job_id": ("String", job_id),
        "status": ("String", "FAILURE"),
    }
    # And the envelope carries the subject (an email's subject line) and the id the publisher returned
    envelope = json.loads(receive_one(sqs, envelope_queue)["Body"])
    assert envelope["Subject"] == "TaskOverflow: calendar export failed"
    assert envelope["MessageId"] == message_id
    assert envelope["Message"] == notification.body


def test_a_publish_to_a_missing_topic_raises(aws_endpoint, job_id) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    notification = compose(
        CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=1), base_url="https://todos.example"
    )

    with pytest.raises(ClientError) as raised:
        SnsPublisher(missing, region="us-east-1", endpoint_url=aws_endpoint).publish(notification)
    assert raised.value.response["Error"]["Code"] == "NotFound"
