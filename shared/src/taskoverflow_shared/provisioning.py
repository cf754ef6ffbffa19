"""What Terraform creates on AWS, created on a local emulator: the SQS queues with their dead-letter
redrive, and the SNS topic. One code path for `make up` and the compose stack's one-shot init
(`python -m taskoverflow_shared.provisioning`, run from a service image)."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping

import boto3
import structlog
from botocore.exceptions import BotoCoreError, ClientError

from . import settings
from .broker import DEFAULT_NAMESPACE
from .entrypoint import settings_or_exit
from .logging import configure_logging
from .routing import ALL_QUEUES

log = structlog.get_logger(__name__)

# A body that is not a Dramatiq message is never deleted by dramatiq-sqs; after this many
# receives SQS itself moves it to the dead-letter queue.
MAX_RECEIVE_COUNT = 5
DEFAULT_TOPIC_NAME = "taskoverflow-notifications"
_FOURTEEN_DAYS_S = "1209600"


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
    namespace = env.get("QUEUE_NAMESPACE") or DEFAULT_NAMESPACE
    urls = {}
    for queue in ALL_QUEUES:
        name = f"{namespace}_{queue}"
        dlq_url = sqs.create_queue(QueueName=f"{name}_dlq", Attributes={"MessageRetentionPeriod": _FOURTEEN_DAYS_S})[
            "QueueUrl"
        ]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
        url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": _FOURTEEN_DAYS_S})["QueueUrl"]
        # Set separately: create_queue on an existing queue with other attributes fails.
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive})
        urls[queue] = url
        urls[f"{queue}_dlq"] = dlq_url
    return urls


def provision_topic(env: Mapping[str, str], name: str = DEFAULT_TOPIC_NAME) -> str:
    """Create the notifications topic (idempotent) and return its ARN."""
    return aws_client("sns", env).create_topic(Name=name)["TopicArn"]


def subscribe_email(env: Mapping[str, str], topic_arn: str, address: str) -> str:
    """Subscribe an email address, as an operator does on AWS (the emulator records it, sends nothing)."""
    return aws_client("sns", env).subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=address)[
        "SubscriptionArn"
    ]


@dataclasses.dataclass(frozen=True)
class Provisioned:
    queue_urls: dict[str, str]  # empty when the broker is not SQS
    topic_arn: str


def provision(env: Mapping[str, str]) -> Provisioned:
    """Everything the services expect on the emulator named by AWS_ENDPOINT_URL: the queues (when
    BROKER_URL is sqs://), the topic named by SNS_TOPIC_ARN (or the default one), and a NOTIFY_EMAIL
    subscription when one is given. Safe to run again."""
    # Only ever an emulator: on AWS these belong to Terraform, and a second owner would drift from it.
    settings.url(env, "AWS_ENDPOINT_URL", ("http", "https"))
    broker_url = settings.broker_url({"BROKER_URL": env.get("BROKER_URL") or "sqs://"})
    queue_urls = provision_queues(env) if broker_url.startswith("sqs://") else {}
    arn = settings.optional(env, "SNS_TOPIC_ARN")
    topic_arn = provision_topic(env, settings.sns_topic_arn(env).rsplit(":", 1)[1] if arn else DEFAULT_TOPIC_NAME)
    if email := settings.optional(env, "NOTIFY_EMAIL"):
        subscribe_email(env, topic_arn, email)
    return Provisioned(queue_urls, topic_arn)


def main() -> int:
    """The compose stack's init: provision the emulator, log what exists, exit 0 (or 2 naming a bad variable)."""
    env = settings.environ()
    log_format = settings.optional(env, "LOG_FORMAT")
    configure_logging(log_format if log_format in settings.LOG_FORMATS else None)
    try:
        provisioned = settings_or_exit("provisioning", lambda: provision(env))
    except (BotoCoreError, ClientError) as exc:
        log.error("provisioning_failed", endpoint=env.get("AWS_ENDPOINT_URL"), error=str(exc))
        return 1
    log.info(
        "emulator_provisioned",
        endpoint=env["AWS_ENDPOINT_URL"],
        queues=sorted(provisioned.queue_urls),
        topic_arn=provisioned.topic_arn,
        subscribed=settings.optional(env, "NOTIFY_EMAIL"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
