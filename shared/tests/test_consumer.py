"""ConsumerSettings: a consumer service's Dramatiq knobs, under its own prefix, checked at start-up."""

from __future__ import annotations

import pytest

from taskoverflow_shared.broker import BrokerSettings
from taskoverflow_shared.consumer import ConsumerSettings
from taskoverflow_shared.settings import ConfigError

DEFAULTS = {"processes": 3, "threads": 1, "max_retries": 3, "max_backoff_ms": 60_000, "time_limit_ms": 120_000}


def _settings(env: dict[str, str], broker_url: str = "sqs://") -> ConsumerSettings:
    broker = BrokerSettings.from_env({"BROKER_URL": broker_url, **env})
    return ConsumerSettings.from_env(env, broker, prefix="WORKER_", **DEFAULTS)


def test_the_service_defaults_apply_when_nothing_is_set() -> None:
    consumer = _settings({})

    assert (consumer.processes, consumer.threads, consumer.max_retries) == (3, 1, 3)
    assert (consumer.min_backoff_ms, consumer.max_backoff_ms, consumer.time_limit_ms) == (1_000, 60_000, 120_000)


def test_variables_are_read_under_the_prefix() -> None:
    consumer = _settings({"WORKER_PROCESSES": "2", "WORKER_THREADS": "8", "WORKER_MAX_RETRIES": "0"})

    assert (consumer.processes, consumer.threads, consumer.max_retries) == (2, 8, 0)


@pytest.mark.parametrize(("broker_url", "idle_poll_ms"), [("sqs://", 1_000), ("redis://127.0.0.1:6379/0", 10)])
def test_an_idle_consumer_long_polls_sqs_and_polls_redis_often(broker_url: str, idle_poll_ms: int) -> None:
    assert _settings({}, broker_url).idle_poll_ms == idle_poll_ms


def test_a_time_limit_past_the_visibility_timeout_is_refused_by_name() -> None:
    # A message still being worked on would reappear on SQS and be handled twice.
    with pytest.raises(ConfigError) as raised:
        _settings({"SQS_VISIBILITY_TIMEOUT": "60", "WORKER_TIME_LIMIT_MS": "60000"})

    assert raised.value.name == "WORKER_TIME_LIMIT_MS"


@pytest.mark.parametrize("variable", ["WORKER_MAX_BACKOFF_MS", "WORKER_MIN_BACKOFF_MS"])
def test_a_backoff_sqs_cannot_delay_is_refused_by_name(variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings({variable: "900001"})

    assert raised.value.name == variable
