"""Reading configuration from the environment once, failing with the variable's name."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit, urlunsplit

LOG_FORMATS = ("json", "console")
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A required environment variable is missing or malformed; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


def _raw(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def require(env: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = _raw(env, name, default)
    if value is None:
        raise ConfigError(name, "is required but not set")
    return value


def optional(env: Mapping[str, str], name: str) -> str | None:
    return _raw(env, name, None)


def integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = _raw(env, name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(name, f"must be {bounds}, got {value}")
    return value


def choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = _raw(env, name, default)
    assert value is not None
    if value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _redacted(parts: SplitResult) -> str:
    # Error messages end up in logs; a DATABASE_URL's password must not.
    if parts.password is None:
        return parts.geturl()
    userinfo, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{host}"))


def url(env: Mapping[str, str], name: str, schemes: tuple[str, ...], default: str | None = None) -> str:
    value = require(env, name, default)
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. "postgresql://[::1": a traceback would not name the variable
        # Not the parser's message: it can quote the netloc, password included.
        raise ConfigError(name, "is not a valid URL (check the brackets and characters of its host part)") from None
    if parts.scheme not in schemes:
        raise ConfigError(name, f"must be a {' or '.join(s + '://' for s in schemes)} URL, got {_redacted(parts)!r}")
    if parts.scheme in ("http", "https") and not parts.netloc:
        raise ConfigError(name, f"has no host: {_redacted(parts)!r}")
    return value


def database_url(env: Mapping[str, str]) -> str:
    return url(env, "DATABASE_URL", ("postgresql", "postgres"))


def broker_url(env: Mapping[str, str]) -> str:
    return url(env, "BROKER_URL", ("sqs", "redis", "rediss", "unix"))


def sns_topic_arn(env: Mapping[str, str]) -> str:
    value = require(env, "SNS_TOPIC_ARN")
    if not _SNS_TOPIC_ARN.match(value):
        raise ConfigError("SNS_TOPIC_ARN", f"is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got {value!r}")
    return value


def log_format(env: Mapping[str, str]) -> str | None:
    """`json` or `console`; None (unset) means: decide by whether stderr is a terminal."""
    raw = _raw(env, "LOG_FORMAT", None)
    return None if raw is None else choice(env, "LOG_FORMAT", LOG_FORMATS, raw)


def environ() -> Mapping[str, str]:
    return os.environ
