"""The messages services exchange: frozen, versioned, JSON-only; ids, never payloads."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any, ClassVar, TypeVar

JOB_STATUSES = ("PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE")
FINAL_STATUSES = ("SUCCESS", "FAILURE")


class MessageDecodeError(ValueError):
    """A message body is not a valid message of the expected type.

    `job_id` carries the job's id when it could still be read, so the job can be failed.
    """

    def __init__(self, reason: str, job_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.job_id = job_id


@dataclasses.dataclass(frozen=True)
class GenerateCalendar:
    """Asks the calendar-worker to build the calendar of a snapshotted job."""

    TYPE: ClassVar[str] = "generate_calendar"
    VERSION: ClassVar[int] = 1

    job_id: str
    correlation_id: str | None = None


@dataclasses.dataclass(frozen=True)
class CalendarJobFinished:
    """Announces that a calendar job ended, SUCCESS or FAILURE, for the notifier."""

    TYPE: ClassVar[str] = "calendar_job_finished"
    VERSION: ClassVar[int] = 1

    job_id: str
    status: str
    event_count: int | None = None
    error: str | None = None
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        if self.status not in FINAL_STATUSES:
            raise ValueError(f"status must be one of {FINAL_STATUSES}, got {self.status!r}")


Msg = TypeVar("Msg", GenerateCalendar, CalendarJobFinished)

# Field name -> the JSON types it may hold; None is allowed only where the default is None.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "job_id": (str,),
    "correlation_id": (str,),
    "status": (str,),
    "event_count": (int,),
    "error": (str,),
}


def to_dict(message: GenerateCalendar | CalendarJobFinished) -> dict[str, Any]:
    """The message as a JSON-ready dict carrying its type and schema version."""
    return {"type": message.TYPE, "version": message.VERSION, **dataclasses.asdict(message)}


def encode(message: GenerateCalendar | CalendarJobFinished) -> str:
    return json.dumps(to_dict(message), separators=(",", ":"), sort_keys=True)


def _readable_job_id(data: Any) -> str | None:
    if isinstance(data, dict) and is_job_id(data.get("job_id")):
        return data["job_id"]
    return None


def is_job_id(value: Any) -> bool:
    """Job ids are canonical lower-case UUID strings."""
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def from_dict(cls: type[Msg], data: Any) -> Msg:
    """Decode a dict into `cls`, or raise MessageDecodeError saying what is wrong."""
    job_id = _readable_job_id(data)
    if not isinstance(data, dict):
        raise MessageDecodeError(f"{cls.TYPE}: expected a JSON object, got {type(data).__name__}")
    if data.get("type") != cls.TYPE:
        raise MessageDecodeError(f"expected message type {cls.TYPE!r}, got {data.get('type')!r}", job_id)
    # `type(...) is int`: JSON true and 1.0 compare equal to 1 but are not version 1.
    if type(data.get("version")) is not int or data["version"] != cls.VERSION:
        raise MessageDecodeError(f"{cls.TYPE}: unsupported version {data.get('version')!r}", job_id)

    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields) - {"type", "version"}
    if unknown:
        raise MessageDecodeError(f"{cls.TYPE}: unknown fields {sorted(unknown)}", job_id)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING:
                raise MessageDecodeError(f"{cls.TYPE}: missing field {name!r}", job_id)
            continue
        value = data[name]
        nullable = field.default is None
        allowed = _FIELD_TYPES[name]
        # bool is an int in Python; a count of True events is still malformed.
        if (value is None and not nullable) or (
            value is not None and (not isinstance(value, allowed) or isinstance(value, bool))
        ):
            raise MessageDecodeError(f"{cls.TYPE}: field {name!r} has a wrong value {value!r}", job_id)
        values[name] = value
    if not is_job_id(values["job_id"]):
        raise MessageDecodeError(f"{cls.TYPE}: job_id is not a UUID: {values['job_id']!r}")
    try:
        return cls(**values)
    except ValueError as exc:
        raise MessageDecodeError(f"{cls.TYPE}: {exc}", job_id) from None


def decode(cls: type[Msg], body: str | bytes) -> Msg:
    try:
        data = json.loads(body)
    # RecursionError: a deeply nested body (valid JSON, "[[[[...]]]]") overflows the parser.
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MessageDecodeError(f"{cls.TYPE}: not JSON ({exc})") from None
    return from_dict(cls, data)


def from_actor_arguments(cls: type[Msg], args: tuple, kwargs: dict) -> Msg:
    """Decode what a Dramatiq actor was called with: exactly one positional message dict."""
    if kwargs or len(args) != 1:
        job_id = _readable_job_id(args[0]) if args else _readable_job_id(kwargs)
        raise MessageDecodeError(
            f"{cls.TYPE}: expected one positional argument, got {len(args)} and keywords {sorted(kwargs)}", job_id
        )
    return from_dict(cls, args[0])
