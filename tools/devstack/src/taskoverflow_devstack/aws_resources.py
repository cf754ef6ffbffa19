"""What only the tests add on the emulator: a queue subscribed to the topic, a subscriber's inbox.
(The queues and the topic the services need are created by taskoverflow_shared.provisioning.)"""

from __future__ import annotations

from collections.abc import Mapping

from taskoverflow_shared.provisioning import aws_client


def subscribe_queue(env: Mapping[str, str], topic_arn: str, queue_name: str) -> str:
    """A queue that receives every notification raw (body and attributes as published): a test's inbox."""
    sqs = aws_client("sqs", env)
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws_client("sns", env).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    return url
