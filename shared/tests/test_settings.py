"""Reading the environment: values, defaults, and errors that name the variable (never leak a password)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from taskoverflow_shared import settings
from taskoverflow_shared.settings import ConfigError


def config_error(call, *args, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        call(*args, **kwargs)
    return raised.value


# --- require / optional ---------------------------------------------------------------------


def test_require_returns_the_value_stripped() -> None:
    assert settings.require({"NAME": "  value \n"}, "NAME") == "value"


@pytest.mark.parametrize("env", [{}, {"NAME": ""}, {"NAME": "   "}])
def test_require_without_a_value_names_the_variable(env: dict[str, str]) -> None:
    error = config_error(settings.require, env, "NAME")

    assert error.name == "NAME"
    assert str(error) == "NAME: is required but not set"


def test_require_falls_back_to_its_default() -> None:
    assert settings.require({"NAME": " "}, "NAME", "fallback") == "fallback"


def test_optional_is_none_when_unset_or_blank() -> None:
    assert settings.optional({}, "NAME") is None
    assert settings.optional({"NAME": " "}, "NAME") is None
    assert settings.optional({"NAME": "x"}, "NAME") == "x"


# --- integer / choice -----------------------------------------------------------------------


def test_integer_reads_a_number_or_the_default() -> None:
    assert settings.integer({"PORT": " 8080 "}, "PORT", 6400) == 8080
    assert settings.integer({}, "PORT", 6400) == 6400


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "PORT: must be an integer, got 'abc'"),
        ("1.5", "PORT: must be an integer, got '1.5'"),
        ("0", "PORT: must be between 1 and 65535, got 0"),
        ("65536", "PORT: must be between 1 and 65535, got 65536"),
    ],
)
def test_integer_out_of_shape_or_range_names_the_variable(raw: str, message: str) -> None:
    error = config_error(settings.integer, {"PORT": raw}, "PORT", 6400, minimum=1, maximum=65535)

    assert str(error) == message


def test_integer_without_a_maximum_says_so() -> None:
    assert str(config_error(settings.integer, {"N": "-1"}, "N", 1)) == "N: must be >= 0, got -1"


@given(raw=st.text())
def test_integer_raises_nothing_but_config_errors(raw: str) -> None:
    try:
        value = settings.integer({"N": raw}, "N", 5, minimum=1, maximum=100)
    except ConfigError as exc:
        assert exc.name == "N"
    else:
        assert 1 <= value <= 100


def test_choice_accepts_only_its_choices() -> None:
    assert settings.choice({}, "LOG_LEVEL", ("INFO", "DEBUG"), "INFO") == "INFO"
    assert settings.choice({"LOG_LEVEL": "DEBUG"}, "LOG_LEVEL", ("INFO", "DEBUG"), "INFO") == "DEBUG"
    error = config_error(settings.choice, {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", ("INFO", "DEBUG"), "INFO")
    assert str(error) == "LOG_LEVEL: must be one of INFO, DEBUG, got 'LOUD'"


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("json", "json"), ("console", "console"), (" ", None)])
def test_log_format_is_json_console_or_undecided(raw: str | None, expected: str | None) -> None:
    env = {} if raw is None else {"LOG_FORMAT": raw}

    assert settings.log_format(env) == expected


def test_log_format_rejects_other_formats() -> None:
    assert config_error(settings.log_format, {"LOG_FORMAT": "xml"}).name == "LOG_FORMAT"


# --- urls -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["postgresql://user:pw@db:5432/taskoverflow", "postgres://db/x", "postgresql:///x?host=/tmp/socket"]
)
def test_database_url_accepts_postgresql_urls(url: str) -> None:
    assert settings.database_url({"DATABASE_URL": url}) == url


@pytest.mark.parametrize(
    "url", ["mysql://db/x", "db:5432", "localhost", "http://db/x", "postgresql://[::1/x", "postgresql://[x]/db"]
)
def test_database_url_rejects_other_values_naming_the_variable(url: str) -> None:
    error = config_error(settings.database_url, {"DATABASE_URL": url})

    assert error.name == "DATABASE_URL"
    assert str(error).startswith("DATABASE_URL: ")


def test_database_url_is_required() -> None:
    assert str(config_error(settings.database_url, {})) == "DATABASE_URL: is required but not set"


@pytest.mark.parametrize("url", ["mysql://app:s3cr3t@db/x", "mysql://:s3cr3t@db/x", "postgresql://app:s3cr3t@[::1/x"])
def test_a_url_error_never_shows_the_password(url: str) -> None:
    error = config_error(settings.database_url, {"DATABASE_URL": url})

    assert "s3cr3t" not in str(error)


def test_a_url_error_still_shows_the_rest_of_the_url() -> None:
    error = config_error(settings.database_url, {"DATABASE_URL": "mysql://app:s3cr3t@db:3306/x"})

    assert str(error) == "DATABASE_URL: must be a postgresql:// or postgres:// URL, got 'mysql://app:***@db:3306/x'"


@given(raw=st.text())
@example(raw="http://[::1")
@example(raw="https://user:pw\uff03@host")
def test_url_raises_nothing_but_config_errors(raw: str) -> None:
    try:
        settings.url({"URL": raw}, "URL", ("http", "https"))
    except ConfigError as exc:
        assert exc.name == "URL"


@pytest.mark.parametrize("url", ["http://", "https:///path"])
def test_an_http_url_needs_a_host(url: str) -> None:
    assert str(config_error(settings.url, {"PUBLIC_BASE_URL": url}, "PUBLIC_BASE_URL", ("http", "https"))).startswith(
        "PUBLIC_BASE_URL: has no host"
    )


@pytest.mark.parametrize("url", ["sqs://", "redis://localhost:6379/0", "rediss://cache:6380", "unix:///tmp/redis.sock"])
def test_broker_url_accepts_sqs_and_redis(url: str) -> None:
    assert settings.broker_url({"BROKER_URL": url}) == url


@pytest.mark.parametrize("url", ["amqp://rabbit", "stub://", "localhost:6379"])
def test_broker_url_rejects_other_brokers(url: str) -> None:
    assert config_error(settings.broker_url, {"BROKER_URL": url}).name == "BROKER_URL"


# --- SNS topic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn", ["arn:aws:sns:us-east-1:123456789012:calendar-jobs", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t_1"]
)
def test_sns_topic_arn_accepts_topic_arns(arn: str) -> None:
    assert settings.sns_topic_arn({"SNS_TOPIC_ARN": arn}) == arn


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
    assert config_error(settings.sns_topic_arn, {"SNS_TOPIC_ARN": arn}).name == "SNS_TOPIC_ARN"
