"""The one place that builds the boto3 SQS client and finds, or creates, the queue."""

import boto3
import botocore.session
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
DEFAULT_MAX_ATTEMPTS = 5
FIFO_SUFFIX = ".fifo"


class QueueMissing(Exception):
    """The named queue does not exist (and we were not asked to create it)."""


def is_fifo(queue_name: str) -> bool:
    return queue_name.endswith(FIFO_SUFFIX)


def make_client():
    """An SQS client from the usual AWS environment and config files.

    boto3 itself reads credentials, AWS_REGION/AWS_DEFAULT_REGION and
    AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_SQS); we only add a region default
    and a retry policy.
    """
    core = botocore.session.get_session()
    # A max_attempts the user set (AWS_MAX_ATTEMPTS or ~/.aws/config) wins:
    # a retry policy passed in code would otherwise silently override it.
    max_attempts = core.get_config_variable("max_attempts") or DEFAULT_MAX_ATTEMPTS
    session = boto3.session.Session(botocore_session=core)
    config = Config(
        region_name=session.region_name or DEFAULT_REGION,
        # Standard mode retries throttling and transient network errors with
        # jittered back-off; what still fails after that reaches the user.
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=5,
        # Must outlast the 20 s long poll, or every quiet poll would time out.
        read_timeout=40,
    )
    return session.client("sqs", config=config)


def queue_url(client, queue_name: str, *, create: bool = False) -> str:
    try:
        return client.get_queue_url(QueueName=queue_name)["QueueUrl"]
    except client.exceptions.QueueDoesNotExist:
        if not create:
            raise QueueMissing(queue_name) from None
    # Created only when missing, so an existing queue's settings are never touched.
    return client.create_queue(QueueName=queue_name, Attributes=queue_attributes(queue_name))["QueueUrl"]


def queue_attributes(queue_name: str) -> dict[str, str]:
    if not is_fifo(queue_name):
        return {}
    # Content-based de-duplication is what makes an identical re-run vanish,
    # which is half of what the FIFO demo is there to show.
    return {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
