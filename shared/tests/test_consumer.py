"""ConsumerServiceSettings: a consumer service's Dramatiq knobs, each variable named by the service, checked at start-up."""

from __future__ import annotations

import pytest
from pydantic import Field

from taskoverflow_shared.consumer import (
    BackoffMs,
    ConsumerServiceSettings,
    ConsumerSettings,
    IdlePollMs,
    MaxRetries,
    Processes,
    Threads,
    TimeLimitMs,
)
from taskoverflow_shared.settings import ConfigError


class DemoConsumer(ConsumerSettings):
    processes: Processes = Field(3, validation_alias="DEMO_PROCESSES")
    threads: Threads = Field(1, validation_alias="DEMO_THREADS")
    max_retries: MaxRetries = Field(3, validation_alias="DEMO_MAX_RETRIES")
    min_backoff_ms: BackoffMs = Field(1_000, validation_alias="DEMO_MIN_BACKOFF_MS")
    max_backoff_ms: BackoffMs = Field(60_000, validation_alias="DEMO_MAX_BACKOFF_MS")
    time_limit_ms: TimeLimitMs = Field(120_000, validation_alias="DEMO_TIME_LIMIT_MS")
    idle_poll_ms: IdlePollMs = Field(1_000, validation_alias="DEMO_IDLE_POLL_MS")


class DemoSettings(ConsumerServiceSettings):
    consumer: DemoConsumer


def _settings(env: dict[str, str], broker_url: str = "sqs://") -> DemoSettings:
    return DemoSettings.from_env({"DATABASE_URL": "postgresql://db/x", "BROKER_URL": broker_url, **env})


def test_the_service_defaults_apply_when_nothing_is_set() -> None:
    consumer = _settings({}).consumer

    assert (consumer.processes, consumer.threads, consumer.max_retries) == (3, 1, 3)
    assert (consumer.min_backoff_ms, consumer.max_backoff_ms, consumer.time_limit_ms) == (1_000, 60_000, 120_000)


def test_variables_are_read_by_the_names_the_service_gives() -> None:
    consumer = _settings({"DEMO_PROCESSES": "2", "DEMO_THREADS": "8", "DEMO_MAX_RETRIES": "0"}).consumer

    assert (consumer.processes, consumer.threads, consumer.max_retries) == (2, 8, 0)


@pytest.mark.parametrize("broker_url", ["sqs://", "redis://127.0.0.1:6379/0"])
def test_the_idle_poll_is_read_by_the_services_name_whatever_the_broker(broker_url: str) -> None:
    # (Each service's own default, 1000 ms, is checked with its settings: test_notifier_config.py,
    # test_worker_config.py.)
    assert _settings({"DEMO_IDLE_POLL_MS": "250"}, broker_url).consumer.idle_poll_ms == 250


def test_a_time_limit_past_the_visibility_timeout_is_refused_by_name() -> None:
    # A message still being worked on would reappear on SQS and be handled twice.
    with pytest.raises(ConfigError) as raised:
        _settings({"SQS_VISIBILITY_TIMEOUT": "60", "DEMO_TIME_LIMIT_MS": "60000"})

    assert raised.value.name == "DEMO_TIME_LIMIT_MS"


@pytest.mark.parametrize("variable", ["DEMO_MAX_BACKOFF_MS", "DEMO_MIN_BACKOFF_MS"])
def test_a_backoff_sqs_cannot_delay_is_refused_by_name(variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings({variable: "900001"})

    assert raised.value.name == variable
