"""Settings from the environment, read once at start-up: the base every service's settings extend.

Each variable's name is written out where its field is declared (`validation_alias="PORT"`), so
grep finds it. pydantic validates; a bad value becomes one ConfigError naming the variable, and a
URL's password never appears in it. A *section* (a nested settings model, such as BrokerSettings)
reads the same flat environment as the settings that hold it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self, get_args
from urllib.parse import SplitResult, urlsplit, urlunsplit

from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class ConfigError(Exception):
    """A required environment variable is missing or malformed; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


def redacted(parts: SplitResult) -> str:
    """The URL with its password replaced: error messages end up in logs."""
    if parts.password is None:
        return parts.geturl()
    userinfo, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{host}"))


def url_of(*schemes: str) -> AfterValidator:
    """A validator accepting URLs of these schemes (an http(s) one needs a host)."""

    def check(value: str) -> str:
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. "postgresql://[::1": the parser's message can quote the password
            raise ValueError("is not a valid URL (check the brackets and characters of its host part)") from None
        if parts.scheme not in schemes:
            raise ValueError(f"must be a {' or '.join(s + '://' for s in schemes)} URL, got {redacted(parts)!r}")
        if parts.scheme in ("http", "https") and not parts.netloc:
            raise ValueError(f"has no host: {redacted(parts)!r}")
        return value

    return AfterValidator(check)


_SNS_TOPIC_ARN = re.compile(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


def _sns_topic_arn(value: str) -> str:
    if not _SNS_TOPIC_ARN.match(value):
        raise ValueError(f"is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got {value!r}")
    return value


PostgresUrl = Annotated[str, url_of("postgresql", "postgres")]
BrokerUrl = Annotated[str, url_of("sqs", "redis", "rediss", "unix")]
# Without a trailing slash: paths are appended to it.
PublicBaseUrl = Annotated[str, url_of("http", "https"), AfterValidator(lambda url: url.rstrip("/"))]
SnsTopicArn = Annotated[str, AfterValidator(_sns_topic_arn)]
LogFormat = Literal["json", "console"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class EnvironmentSettings(BaseSettings):
    """Settings read from a flat environment by `from_env`; build them by field name in tests."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what from_env (or a test) hands over: the environment is read in one place.
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """Read `env` (os.environ by default): values stripped, a blank one unset. Raises ConfigError."""
        environ = os.environ if env is None else env
        # Only the variables these settings name: a stray lowercase `port` must not fill a field by name.
        names = _variables(cls)
        values = {name: value.strip() for name, value in environ.items() if name in names and value.strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise _config_error(exc.errors()[0]) from None

    @model_validator(mode="before")
    @classmethod
    def _sections_read_the_same_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        sections = {}
        for name, field in cls.model_fields.items():
            annotations = (field.annotation, *get_args(field.annotation))
            section = next((t for t in annotations if _is_section(t)), None)
            if section is None or name in data:
                continue
            # An optional section (`BrokerSettings | None`) is there only when its required variables are.
            if type(None) not in annotations or _required_given(section, data):
                sections[name] = data
        return {**data, **sections} if sections else data


def _variables(settings: type[EnvironmentSettings]) -> set[str]:
    """Every variable the settings and their sections read."""
    names: set[str] = set()
    for field in settings.model_fields.values():
        if isinstance(field.validation_alias, str):
            names.add(field.validation_alias)
        for annotation in (field.annotation, *get_args(field.annotation)):
            if _is_section(annotation):
                names |= _variables(annotation)
    return names


def _is_section(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, EnvironmentSettings)


def _required_given(section: type[EnvironmentSettings], data: Mapping[str, Any]) -> bool:
    return all(field.validation_alias in data for field in section.model_fields.values() if field.is_required())


def _config_error(error: ErrorDetails) -> ConfigError:
    # The variable is the last part of the location: ("broker", "BROKER_URL") in a section.
    name = str(error["loc"][-1]) if error["loc"] else "environment"
    if error["type"] == "missing":
        return ConfigError(name, "is required but not set")
    if error["type"] == "value_error":
        # Our own validators: their message is written for people and never holds a password.
        return ConfigError(name, str(error.get("ctx", {}).get("error", error["msg"])))
    problem = error["msg"].replace("Input should be", "must be", 1)
    return ConfigError(name, f"{problem}, got {error['input']!r}")


class LoggingSettings(EnvironmentSettings):
    """How a process logs: every service, and the small tools that run beside them."""

    # None: console on a terminal, JSON elsewhere.
    log_format: LogFormat | None = Field(None, validation_alias="LOG_FORMAT")
    log_level: LogLevel = Field("INFO", validation_alias="LOG_LEVEL")


class ServiceSettings(LoggingSettings):
    """What every service reads: its database, the public base URL, and how it logs."""

    database_url: PostgresUrl = Field(validation_alias="DATABASE_URL")
    # How users reach the API: result URLs in statuses and emails.
    public_base_url: PublicBaseUrl = Field("http://localhost:6400", validation_alias="PUBLIC_BASE_URL")
