"""The emulator's provisioning, the one code path of `make up` and the compose stack's init: queues
with their dead-letter redrive, the topic, an email subscription; never against AWS itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from taskoverflow_shared.provisioning import aws_client, provision
from taskoverflow_shared.settings import ConfigError


def emulator_env(aws_endpoint: str, **extra: str) -> dict[str, str]:
    namespace = f"prov{uuid.uuid4().hex[:8]}"
    return {
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "QUEUE_NAMESPACE": namespace,
        "BROKER_URL": "sqs://",
        "SNS_TOPIC_ARN": f"arn:aws:sns:us-east-1:123456789012:{namespace}-notifications",
        **extra,
    }


@pytest.mark.integration
def test_each_queue_dead_letters_after_five_receives_and_the_topic_exists(aws_endpoint: str) -> None:
    env = emulator_env(aws_endpoint)

    provisioned = provision(env)

    namespace = env["QUEUE_NAMESPACE"]
    assert set(provisioned.queue_urls) == {"ical", "ical_dlq", "notifications", "notifications_dlq"}
    sqs = aws_client("sqs", env)
    for queue in ("ical", "notifications"):
        attributes = sqs.get_queue_attributes(QueueUrl=provisioned.queue_urls[queue], AttributeNames=["All"])[
            "Attributes"
        ]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["maxReceiveCount"] == 5
        assert redrive["deadLetterTargetArn"].endswith(f":{namespace}_{queue}_dlq")
    assert provisioned.topic_arn == env["SNS_TOPIC_ARN"]
    # Run again (every `up` does): the same queues and topic, nothing fails.
    assert provision(env) == provisioned


@pytest.mark.integration
def test_over_redis_only_the_topic_is_made_and_an_address_is_subscribed(aws_endpoint: str) -> None:
    env = emulator_env(aws_endpoint, BROKER_URL="redis://127.0.0.1:6390/0", NOTIFY_EMAIL="ops@example.com")

    provisioned = provision(env)

    assert provisioned.queue_urls == {}
    subscriptions = aws_client("sns", env).list_subscriptions_by_topic(TopicArn=provisioned.topic_arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "ops@example.com")]


def test_it_never_creates_anything_on_aws_itself() -> None:
    # Without an emulator's endpoint, these resources are Terraform's, and a second owner would drift from it.
    with pytest.raises(ConfigError) as refused:
        provision({"BROKER_URL": "sqs://", "AWS_REGION": "us-east-1"})
    assert refused.value.name == "AWS_ENDPOINT_URL"


@pytest.mark.integration
def test_the_init_command_logs_what_it_made_as_json(aws_endpoint: str) -> None:
    env = {**os.environ, **emulator_env(aws_endpoint), "LOG_FORMAT": "json"}

    done = subprocess.run(
        [sys.executable, "-m", "taskoverflow_shared.provisioning"], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    [line] = [json.loads(line) for line in done.stderr.splitlines()]
    assert line["event"] == "emulator_provisioned"
    assert line["queues"] == ["ical", "ical_dlq", "notifications", "notifications_dlq"]
    assert line["topic_arn"] == env["SNS_TOPIC_ARN"]


def test_the_init_command_names_a_missing_endpoint_in_one_json_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"LOG_FORMAT": "json"}

    done = subprocess.run(
        [sys.executable, "-m", "taskoverflow_shared.provisioning"], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    [line] = [json.loads(line) for line in done.stderr.splitlines()]
    assert (line["event"], line["variable"], line["level"]) == ("configuration_invalid", "AWS_ENDPOINT_URL", "error")
