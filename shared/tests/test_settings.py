"""The settings base: values from the environment, defaults, and errors that name the variable
(never leak a password); a section reads the same environment as the settings holding it."""

from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import Field

from taskoverflow_shared.broker import BrokerSettings
from taskoverflow_shared.settings import (
    BrokerUrl,
    ConfigError,
    EnvironmentSettings,
    PostgresUrl,
    PublicBaseUrl,
    ServiceSettings,
    SnsTopicArn,
)

DATABASE = {"DATABASE_URL": "postgresql://app@db/x"}


class Demo(EnvironmentSettings):
    port: int = Field(6400, ge=1, le=65535, validation_alias="PORT")
    mode: Literal["fast", "safe"] = Field("safe", validation_alias="MODE")
    name: str | None = Field(None, validation_alias="NAME")


class WithSections(ServiceSettings):
    broker: BrokerSettings
    optional_broker: BrokerSettings | None = None


class Urls(EnvironmentSettings):
    database: PostgresUrl | None = Field(None, validation_alias="DATABASE_URL")
    broker: BrokerUrl | None = Field(None, validation_alias="BROKER_URL")
    public: PublicBaseUrl | None = Field(None, validation_alias="PUBLIC_BASE_URL")
    topic: SnsTopicArn | None = Field(None, validation_alias="SNS_TOPIC_ARN")


def config_error(settings: type[EnvironmentSettings], env: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        settings.from_env(env)
    return raised.value


# --- values, defaults, blanks ---------------------------------------------------------------


def test_values_are_read_stripped_and_converted() -> None:
    demo = Demo.from_env({"PORT": " 8080 ", "MODE": "fast\n", "NAME": "  x "})

    assert (demo.port, demo.mode, demo.name) == (8080, "fast", "x")


@pytest.mark.parametrize("env", [{}, {"PORT": "", "NAME": "   "}])
def test_unset_or_blank_variables_take_the_defaults(env: dict[str, str]) -> None:
    assert Demo.from_env(env) == Demo(port=6400, mode="safe", name=None)


def test_the_process_environment_is_read_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "7000")

    assert Demo.from_env().port == 7000


# --- errors name the variable ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "abc"}, "PORT: must be a valid integer, unable to parse string as an integer, got 'abc'"),
        ({"PORT": "1.5"}, "PORT: must be a valid integer, unable to parse string as an integer, got '1.5'"),
        ({"PORT": "0"}, "PORT: must be greater than or equal to 1, got '0'"),
        ({"PORT": "65536"}, "PORT: must be less than or equal to 65535, got '65536'"),
        ({"MODE": "loud"}, "MODE: must be 'fast' or 'safe', got 'loud'"),
    ],
)
def test_a_malformed_value_names_the_variable(env: dict[str, str], message: str) -> None:
    error = config_error(Demo, env)

    assert str(error) == message
    assert error.name == next(iter(env))


@pytest.mark.parametrize("env", [{}, {"DATABASE_URL": " "}])
def test_a_required_variable_left_unset_says_so(env: dict[str, str]) -> None:
    assert str(config_error(ServiceSettings, env)) == "DATABASE_URL: is required but not set"


@given(raw=st.text())
def test_any_text_gives_a_value_or_a_config_error_naming_the_variable(raw: str) -> None:
    try:
        demo = Demo.from_env({"PORT": raw})
    except ConfigError as exc:
        assert exc.name == "PORT"
    else:
        assert 1 <= demo.port <= 65535


# --- sections -------------------------------------------------------------------------------


def test_a_section_reads_the_same_environment() -> None:
    settings = WithSections.from_env({**DATABASE, "BROKER_URL": "sqs://", "QUEUE_NAMESPACE": "demo"})

    assert (settings.broker.url, settings.broker.namespace) == ("sqs://", "demo")
    assert settings.optional_broker == settings.broker


def test_an_optional_section_is_absent_without_its_required_variables() -> None:
    assert WithSections.from_env({**DATABASE, "BROKER_URL": "sqs://"}).optional_broker is not None

    class OnlyOptional(ServiceSettings):
        broker: BrokerSettings | None = None

    assert OnlyOptional.from_env({**DATABASE, "QUEUE_NAMESPACE": "demo"}).broker is None


def test_an_error_in_a_section_names_the_variable() -> None:
    error = config_error(WithSections, {**DATABASE, "BROKER_URL": "sqs://", "SQS_VISIBILITY_TIMEOUT": "29"})

    assert error.name == "SQS_VISIBILITY_TIMEOUT"
    assert str(error).startswith("SQS_VISIBILITY_TIMEOUT: must be greater than or equal to 30")


# --- urls -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["postgresql://user:pw@db:5432/taskoverflow", "postgres://db/x", "postgresql:///x?host=/tmp/socket"]
)
def test_database_url_accepts_postgresql_urls(url: str) -> None:
    assert Urls.from_env({"DATABASE_URL": url}).database == url


@pytest.mark.parametrize(
    "url", ["mysql://db/x", "db:5432", "localhost", "http://db/x", "postgresql://[::1/x", "postgresql://[x]/db"]
)
def test_database_url_rejects_other_values_naming_the_variable(url: str) -> None:
    error = config_error(Urls, {"DATABASE_URL": url})

    assert error.name == "DATABASE_URL"
    assert str(error).startswith("DATABASE_URL: ")


@pytest.mark.parametrize("url", ["mysql://app:s3cr3t@db/x", "mysql://:s3cr3t@db/x", "postgresql://app:s3cr3t@[::1/x"])
def test_a_url_error_never_shows_the_password(url: str) -> None:
    assert "s3cr3t" not in str(config_error(Urls, {"DATABASE_URL": url}))


def test_a_url_error_still_shows_the_rest_of_the_url() -> None:
    error = config_error(Urls, {"DATABASE_URL": "mysql://app:s3cr3t@db:3306/x"})

    assert str(error) == "DATABASE_URL: must be a postgresql:// or postgres:// URL, got 'mysql://app:***@db:3306/x'"


@given(raw=st.text())
@example(raw="http://[::1")
@example(raw="https://user:pw\uff03@host")
def test_url_raises_nothing_but_config_errors(raw: str) -> None:
    try:
        Urls.from_env({"PUBLIC_BASE_URL": raw})
    except ConfigError as exc:
        assert exc.name == "PUBLIC_BASE_URL"


@pytest.mark.parametrize("url", ["http://", "https:///path"])
def test_an_http_url_needs_a_host(url: str) -> None:
    assert str(config_error(Urls, {"PUBLIC_BASE_URL": url})).startswith("PUBLIC_BASE_URL: has no host")


def test_a_public_base_url_loses_its_trailing_slash() -> None:
    assert Urls.from_env({"PUBLIC_BASE_URL": "https://todo.example.com/"}).public == "https://todo.example.com"


@pytest.mark.parametrize("url", ["sqs://", "redis://localhost:6379/0", "rediss://cache:6380", "unix:///tmp/redis.sock"])
def test_broker_url_accepts_sqs_and_redis(url: str) -> None:
    assert Urls.from_env({"BROKER_URL": url}).broker == url


@pytest.mark.parametrize("url", ["amqp://rabbit", "stub://", "localhost:6379"])
def test_broker_url_rejects_other_brokers(url: str) -> None:
    assert config_error(Urls, {"BROKER_URL": url}).name == "BROKER_URL"


# --- SNS topic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn", ["arn:aws:sns:us-east-1:123456789012:calendar-jobs", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t_1"]
)
def test_sns_topic_arn_accepts_topic_arns(arn: str) -> None:
    assert Urls.from_env({"SNS_TOPIC_ARN": arn}).topic == arn


@pytest.mark.parametrize(
    "arn",
    [
        "calendar-jobs",
        "arn:aws:sqs:us-east-1:123456789012:q",
        "arn:aws:sns:us-east-1:12345:t",
        "arn:aws:sns:us-east-1:123456789012:",
    ],
)
def test_sns_topic_arn_rejects_anything_else(arn: str) -> None:
    assert config_error(Urls, {"SNS_TOPIC_ARN": arn}).name == "SNS_TOPIC_ARN"


# --- logging --------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("json", "json"), ("console", "console"), (" ", None)])
def test_log_format_is_json_console_or_undecided(raw: str | None, expected: str | None) -> None:
    env = DATABASE if raw is None else {**DATABASE, "LOG_FORMAT": raw}

    assert ServiceSettings.from_env(env).log_format == expected


def test_log_format_and_level_refuse_other_values() -> None:
    assert config_error(ServiceSettings, {**DATABASE, "LOG_FORMAT": "xml"}).name == "LOG_FORMAT"
    assert config_error(ServiceSettings, {**DATABASE, "LOG_LEVEL": "LOUD"}).name == "LOG_LEVEL"
