"""The messages services exchange: frozen, versioned, JSON-only pydantic models; ids, never payloads.

A message travels as a dict carrying its `type` and `version` (`to_dict`); `from_dict` checks both,
then lets the model validate the fields, and says what is wrong in one MessageDecodeError.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from .job_status import FinalStatus, JobStatus


class MessageDecodeError(ValueError):
    """A message body is not a valid message of the expected type.

    `job_id` carries the job's id when it could still be read, so the job can be failed.
    """

    def __init__(self, reason: str, job_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.job_id = job_id


def is_job_id(value: object) -> bool:
    """Job ids are canonical lower-case UUID strings."""
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _job_id(value: str) -> str:
    if not is_job_id(value):
        raise ValueError(f"job_id is not a UUID: {value!r}")
    return value


JobId = Annotated[str, AfterValidator(_job_id)]


class Message(BaseModel):
    """What every message has: its job, and the correlation id of the request that started it."""

    # strict: JSON has no "3" for 3 nor true for 1, and a sender that writes them is broken.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    TYPE: ClassVar[str]
    VERSION: ClassVar[int]

    job_id: JobId
    correlation_id: str | None = None


class GenerateCalendar(Message):
    """Asks the calendar-worker to build the calendar of a snapshotted job."""

    TYPE: ClassVar[str] = "generate_calendar"
    VERSION: ClassVar[int] = 1


class CalendarJobFinished(Message):
    """Announces that a calendar job ended, SUCCESS or FAILURE, for the notifier."""

    TYPE: ClassVar[str] = "calendar_job_finished"
    VERSION: ClassVar[int] = 1

    status: FinalStatus
    event_count: int | None = None
    error: str | None = None


class BuildFeedCalendar(Message):
    """Asks the calendar-worker to rebuild a feed calendar (the calendar every feed with one selection
    serves). `job_id` is that calendar's id: a rebuild is a job of its own kind, logged like one."""

    TYPE: ClassVar[str] = "build_feed_calendar"
    VERSION: ClassVar[int] = 1


Msg = TypeVar("Msg", bound=Message)


def to_dict(message: Message) -> dict[str, Any]:
    """The message as a JSON-ready dict carrying its type and schema version."""
    return {"type": message.TYPE, "version": message.VERSION, **message.model_dump(mode="json")}


def _readable_job_id(data: object) -> str | None:
    if isinstance(data, Mapping) and is_job_id(data.get("job_id")):
        return str(data["job_id"])
    return None


def from_dict(cls: type[Msg], data: object) -> Msg:
    """Decode a dict into `cls`, or raise MessageDecodeError saying what is wrong."""
    job_id = _readable_job_id(data)
    if not isinstance(data, dict):
        raise MessageDecodeError(f"{cls.TYPE}: expected a JSON object, got {type(data).__name__}")
    if data.get("type") != cls.TYPE:
        raise MessageDecodeError(f"expected message type {cls.TYPE!r}, got {data.get('type')!r}", job_id)
    # `type(...) is int`: JSON true and 1.0 compare equal to 1 but are not version 1.
    if type(data.get("version")) is not int or data["version"] != cls.VERSION:
        raise MessageDecodeError(f"{cls.TYPE}: unsupported version {data.get('version')!r}", job_id)
    fields = {name: value for name, value in data.items() if name not in ("type", "version")}
    try:
        return cls.model_validate(fields)
    except ValidationError as exc:
        raise MessageDecodeError(f"{cls.TYPE}: {_problem(exc)}", job_id) from None


def _problem(exc: ValidationError) -> str:
    errors = exc.errors()
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return f"unknown fields {unknown}"
    error = errors[0]
    name = str(error["loc"][0])
    if error["type"] == "missing":
        return f"missing field {name!r}"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if name == "status" and isinstance(error["input"], str):
        return f"status must be one of {tuple(s.value for s in JobStatus if s.finished)}, got {error['input']!r}"
    return f"field {name!r} has a wrong value {error['input']!r}"


def from_actor_arguments(cls: type[Msg], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Msg:
    """Decode what a Dramatiq actor was called with: exactly one positional message dict."""
    if kwargs or len(args) != 1:
        job_id = _readable_job_id(args[0]) if args else _readable_job_id(kwargs)
        raise MessageDecodeError(
            f"{cls.TYPE}: expected one positional argument, got {len(args)} and keywords {sorted(kwargs)}", job_id
        )
    return from_dict(cls, args[0])
