"""What Terraform creates on AWS, created on the local emulator: the queues with their redrive policy."""

from __future__ import annotations

import json
from collections.abc import Mapping

import boto3

from taskoverflow_shared.broker import DEFAULT_NAMESPACE
from taskoverflow_shared.routing import ALL_QUEUES

# A body that is not a Dramatiq message is never deleted by dramatiq-sqs; after this many
# receives SQS itself moves it to the dead-letter queue.
MAX_RECEIVE_COUNT = 5


def aws_client(service: str, env: Mapping[str, str]):
    """A boto3 client configured from `env` (the services' environment), not this process's."""
    return boto3.client(
        service,
        endpoint_url=env.get("AWS_ENDPOINT_URL"),
        region_name=env.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
    )


def provision_queues(env: Mapping[str, str]) -> dict[str, str]:
    """Create each queue and its `_dlq` (dramatiq-sqs's names) with a redrive policy; idempotent."""
    sqs = aws_client("sqs", env)
    namespace = env.get("QUEUE_NAMESPACE", DEFAULT_NAMESPACE)
    urls = {}
    for queue in ALL_QUEUES:
        name = f"{namespace}_{queue}"
        dlq_url = sqs.create_queue(QueueName=f"{name}_dlq", Attributes={"MessageRetentionPeriod": "1209600"})[
            "QueueUrl"
        ]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
        url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
        # Set separately: create_queue on an existing queue with other attributes fails.
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive})
        urls[queue] = url
        urls[f"{queue}_dlq"] = dlq_url
    return urls


def provision_topic(env: Mapping[str, str], name: str = "taskoverflow-notifications") -> str:
    """Create the notifications topic (idempotent) and return its ARN."""
    return aws_client("sns", env).create_topic(Name=name)["TopicArn"]


def subscribe_email(env: Mapping[str, str], topic_arn: str, address: str) -> str:
    """Subscribe an email address, as an operator does on AWS (the emulator records it, sends nothing)."""
    return aws_client("sns", env).subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=address)["SubscriptionArn"]


def subscribe_queue(env: Mapping[str, str], topic_arn: str, queue_name: str) -> str:
    """A queue that receives every notification raw (body and attributes as published): a test's inbox."""
    sqs = aws_client("sqs", env)
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws_client("sns", env).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    return url
