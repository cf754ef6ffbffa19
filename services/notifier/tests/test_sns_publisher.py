"""SnsPublisher on the emulator's SNS, one notification and batches through BatchingPublisher, read back
through SQS subscriptions as a subscriber would see it."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_notifier.batching import BatchingPublisher
from taskoverflow_notifier.bootstrap import bootstrap
from taskoverflow_notifier.config import NotifierConsumerSettings, NotifierSettings
from taskoverflow_notifier.fakes import BatchRecorder, FakeNotificationStore
from taskoverflow_notifier.notification import Notification, compose
from taskoverflow_notifier.sns import SnsPublisher
from taskoverflow_shared.broker import BrokerSettings
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


def receive(sqs, queue_url: str, count: int) -> list[dict]:
    """`count` messages from the queue, once that many have arrived; fails on fewer within the deadline."""
    messages: list[dict] = []

    def all_there() -> bool:
        messages.extend(
            sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
            ).get("Messages", [])
        )
        return len(messages) >= count

    wait_until(all_there, timeout=20, what=f"{count} messages in {queue_url}", interval=0)
    return messages


def job_end(job_id: str, status: str) -> Notification:
    finished = (
        CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=2)
        if status == "SUCCESS"
        else CalendarJobFinished(job_id=job_id, status="FAILURE", error="ValueError: bad deadline")
    )
    return compose(finished, base_url="https://todos.example")


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

    # When the real adapter publishes it (a batch of one)
    publisher = BatchingPublisher(SnsPublisher(topic_arn, region="us-east-1", endpoint_url=aws_endpoint).publish_batch)
    message_id = publisher.publish(notification)
    publisher.close()

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


def test_publishes_made_at_once_leave_in_one_batch_and_arrive_as_separate_messages(
    aws_endpoint, sqs, topic_arn, subscribe_queue, publish_lined_up
) -> None:
    # Given subscribers, and a publisher whose first call is held while five more publishes wait
    raw_queue = subscribe_queue(raw=True)
    envelope_queue = subscribe_queue(raw=False)
    recorder = BatchRecorder(SnsPublisher(topic_arn, region="us-east-1", endpoint_url=aws_endpoint).publish_batch)
    publisher = BatchingPublisher(recorder)
    first = job_end(str(uuid.uuid4()), "SUCCESS")
    rest = [job_end(str(uuid.uuid4()), status) for status in ["SUCCESS", "FAILURE", "SUCCESS", "FAILURE", "FAILURE"]]
    sent = {n.job_id: n for n in [first, *rest]}

    # When they are published
    outcomes = publish_lined_up(publisher, recorder, first, rest)
    publisher.close(timeout=30)

    # Then the five went to SNS in one PublishBatch call, and each publish got a message id of its own
    assert [len(batch) for batch in recorder.batches] == [1, 5]
    assert all(isinstance(outcome, str) for outcome in outcomes.values()), outcomes
    assert len(set(outcomes.values())) == 6
    # And each subscriber got six messages: each its own body and attributes, subject and message id
    raw = receive(sqs, raw_queue, 6)
    by_job = {m["MessageAttributes"]["job_id"]["StringValue"]: m for m in raw}
    assert sorted(by_job) == sorted(sent)
    for job_id, message in by_job.items():
        assert message["Body"] == sent[job_id].body
        assert {name: a["StringValue"] for name, a in message["MessageAttributes"].items()} == dict(
            sent[job_id].attributes
        )
    envelopes = [json.loads(m["Body"]) for m in receive(sqs, envelope_queue, 6)]
    assert {e["MessageAttributes"]["job_id"]["Value"]: (e["Subject"], e["MessageId"]) for e in envelopes} == {
        job_id: (sent[job_id].subject, outcomes[job_id]) for job_id in sent
    }


def test_an_entry_sns_refuses_fails_only_its_own_publish(
    aws_endpoint, sqs, topic_arn, subscribe_queue, publish_lined_up
) -> None:
    # Given a batch with one entry over SNS's 256 KiB message limit: moto refuses that entry alone,
    # in the response's Failed list, and publishes the others of the same call
    raw_queue = subscribe_queue(raw=True)
    recorder = BatchRecorder(SnsPublisher(topic_arn, region="us-east-1", endpoint_url=aws_endpoint).publish_batch)
    publisher = BatchingPublisher(recorder)
    first = job_end(str(uuid.uuid4()), "SUCCESS")
    ok = [job_end(str(uuid.uuid4()), "SUCCESS") for _ in range(2)]
    too_long = dataclasses.replace(job_end(str(uuid.uuid4()), "FAILURE"), body="x" * (256 * 1024 + 1))

    outcomes = publish_lined_up(publisher, recorder, first, [ok[0], too_long, ok[1]])
    publisher.close(timeout=30)

    assert [len(batch) for batch in recorder.batches] == [1, 3]
    refused = outcomes[too_long.job_id]
    assert isinstance(refused, ClientError), refused
    assert refused.response["Error"]["Code"] == "InvalidParameter"
    assert "too long" in str(refused)
    assert all(isinstance(outcomes[n.job_id], str) for n in [first, *ok]), outcomes
    # The subscriber gets the three others, and only them
    delivered = receive(sqs, raw_queue, 3)
    assert sorted(m["MessageAttributes"]["job_id"]["StringValue"] for m in delivered) == sorted(
        n.job_id for n in [first, *ok]
    )
    assert sqs.receive_message(QueueUrl=raw_queue, WaitTimeSeconds=1).get("Messages", []) == []


def test_a_batch_to_a_missing_topic_raises_to_its_publish(aws_endpoint, job_id) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    publisher = BatchingPublisher(SnsPublisher(missing, region="us-east-1", endpoint_url=aws_endpoint).publish_batch)

    with pytest.raises(ClientError) as raised:
        publisher.publish(job_end(job_id, "SUCCESS"))
    assert raised.value.response["Error"]["Code"] == "NotFound"
    publisher.close()


def test_the_notifier_as_bootstrap_wires_it_publishes_through_batches_to_sns(
    aws_endpoint, sqs, topic_arn, subscribe_queue, stub_broker, job_id
) -> None:
    settings = NotifierSettings(
        database_url="postgresql://unused/x",
        broker=BrokerSettings(url="sqs://", endpoint_url=aws_endpoint),
        sns_topic_arn=topic_arn,
        consumer=NotifierConsumerSettings(),
    )
    store = FakeNotificationStore()
    notifier = bootstrap(settings, broker=stub_broker, store=store)
    envelope_queue = subscribe_queue(raw=False)

    notifier.handler.handle(CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=1))

    assert isinstance(notifier.handler.publisher, BatchingPublisher)
    envelope = json.loads(receive_one(sqs, envelope_queue)["Body"])
    assert envelope["MessageAttributes"]["job_id"]["Value"] == job_id
    # The handler recorded the id SNS gave that message
    assert store.rows[(job_id, "SUCCESS")].sns_message_id == envelope["MessageId"]
