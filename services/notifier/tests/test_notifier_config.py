"""The notifier's settings: defaults, the topic's region, and refusals that name the variable."""

from __future__ import annotations

import pytest

from taskoverflow_notifier.config import NotifierSettings
from taskoverflow_shared.settings import ConfigError

ENV = {
    "DATABASE_URL": "postgresql://taskoverflow@db/taskoverflow",
    "BROKER_URL": "sqs://",
    "SNS_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:taskoverflow-notifications",
}


def test_defaults() -> None:
    settings = NotifierSettings.from_env(ENV)

    assert settings.public_base_url == "http://localhost:6400"
    assert settings.broker.endpoint_url is None
    consumer = settings.consumer
    assert (consumer.max_retries, consumer.min_backoff_ms, consumer.max_backoff_ms) == (10, 1_000, 300_000)
    assert (consumer.time_limit_ms, settings.claim_lease_s) == (30_000, 300)
    # Ten threads: as many publishes as one PublishBatch call takes can wait at once.
    assert (consumer.processes, consumer.threads) == (1, 10)
    # An idle consumer looks at its queue every second (SQS long-polls that long; on Redis a send
    # wakes it at once: shared/tests/test_redis_wakeup.py).
    assert consumer.idle_poll_ms == 1_000
    # A PublishBatch call that is not full waits 50 ms for more job ends.
    assert settings.batch_linger_ms == 50


def test_sns_is_called_in_the_topics_region_whatever_aws_region_says() -> None:
    settings = NotifierSettings.from_env({**ENV, "AWS_REGION": "us-east-1"})

    assert settings.sns_region == "eu-west-1"
    assert settings.broker.region == "us-east-1"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SNS_TOPIC_ARN": ""}, "SNS_TOPIC_ARN"),
        ({"SNS_TOPIC_ARN": "arn:aws:sqs:us-east-1:123456789012:a-queue"}, "SNS_TOPIC_ARN"),
        ({"PUBLIC_BASE_URL": "todos.example"}, "PUBLIC_BASE_URL"),
        ({"NOTIFY_MAX_BACKOFF_MS": "900001"}, "NOTIFY_MAX_BACKOFF_MS"),
        ({"NOTIFY_TIME_LIMIT_MS": "300000"}, "NOTIFY_TIME_LIMIT_MS"),
        ({"NOTIFY_CLAIM_LEASE_S": "30"}, "NOTIFY_CLAIM_LEASE_S"),
        ({"NOTIFY_CLAIM_LEASE_S": "900"}, "NOTIFY_CLAIM_LEASE_S"),
    ],
)
def test_a_bad_setting_is_refused_by_name(overrides: dict, named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        NotifierSettings.from_env({**ENV, **overrides})

    assert raised.value.name == named
