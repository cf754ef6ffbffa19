"""What Terraform creates on AWS, created on a local emulator: the SQS queues with their dead-letter
redrive, and the SNS topic. One code path for `make up` and the compose stack's one-shot init
(`python -m taskoverflow_shared.provisioning`, run from a service image)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Mapping
from typing import Annotated, Any

import boto3
import structlog
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field

from .broker import DEFAULT_NAMESPACE
from .entrypoint import settings_or_exit
from .logging import configure_logging
from .routing import ALL_QUEUES
from .settings import BrokerUrl, LoggingSettings, SnsTopicArn, url_of

log = structlog.get_logger(__name__)

# A body that is not a Dramatiq message is never deleted by dramatiq-sqs; after this many
# receives SQS itself moves it to the dead-letter queue.
MAX_RECEIVE_COUNT = 5
DEFAULT_TOPIC_NAME = "taskoverflow-notifications"
_FOURTEEN_DAYS_S = "1209600"


def aws_client(service: str, env: Mapping[str, str]) -> Any:
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
    arn: str = aws_client("sns", env).create_topic(Name=name)["TopicArn"]
    return arn


def subscribe_email(env: Mapping[str, str], topic_arn: str, address: str) -> str:
    """Subscribe an email address, as an operator does on AWS (the emulator records it, sends nothing)."""
    subscription: str = aws_client("sns", env).subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=address)[
        "SubscriptionArn"
    ]
    return subscription


class ProvisioningSettings(LoggingSettings):
    """What the emulator must hold, from the same variables the services read."""

    # Required: only ever an emulator. On AWS these belong to Terraform, and a second owner would drift from it.
    aws_endpoint_url: Annotated[str, url_of("http", "https")] = Field(validation_alias="AWS_ENDPOINT_URL")
    broker_url: BrokerUrl = Field("sqs://", validation_alias="BROKER_URL")
    sns_topic_arn: SnsTopicArn | None = Field(None, validation_alias="SNS_TOPIC_ARN")
    notify_email: str | None = Field(None, validation_alias="NOTIFY_EMAIL")

    @property
    def topic_name(self) -> str:
        return self.sns_topic_arn.rsplit(":", 1)[1] if self.sns_topic_arn else DEFAULT_TOPIC_NAME


@dataclasses.dataclass(frozen=True)
class Provisioned:
    queue_urls: dict[str, str]  # empty when the broker is not SQS
    topic_arn: str


def provision(env: Mapping[str, str]) -> Provisioned:
    """Everything the services expect on the emulator named by AWS_ENDPOINT_URL: the queues (when
    BROKER_URL is sqs://), the topic named by SNS_TOPIC_ARN (or the default one), and a NOTIFY_EMAIL
    subscription when one is given. Safe to run again."""
    wanted = ProvisioningSettings.from_env(env)
    queue_urls = provision_queues(env) if wanted.broker_url.startswith("sqs://") else {}
    topic_arn = provision_topic(env, wanted.topic_name)
    if wanted.notify_email:
        subscribe_email(env, topic_arn, wanted.notify_email)
    return Provisioned(queue_urls, topic_arn)


def main() -> int:
    """The compose stack's init: provision the emulator, log what exists, exit 0 (or 2 naming a bad variable)."""
    env = os.environ
    wanted = settings_or_exit("provisioning", lambda: ProvisioningSettings.from_env(env))
    configure_logging(wanted.log_format, wanted.log_level)
    try:
        provisioned = provision(env)
    except (BotoCoreError, ClientError) as exc:
        log.error("provisioning_failed", endpoint=env.get("AWS_ENDPOINT_URL"), error=str(exc))
        return 1
    log.info(
        "emulator_provisioned",
        endpoint=env["AWS_ENDPOINT_URL"],
        queues=sorted(provisioned.queue_urls),
        topic_arn=provisioned.topic_arn,
        subscribed=wanted.notify_email,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
