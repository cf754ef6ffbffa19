"""A todo as clients send it (NewTodo, TodoChanges) and as the API answers (Todo): each rule once,
validating the body and generating its part of the OpenAPI document. The migration's
varchar(80)/varchar(120) are held to TITLE_MAX/DESCRIPTION_MAX by a test."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from ..request_models import RequestModel
from ..timestamps import Timestamp, parse_timestamp

TITLE_MAX = 80
DESCRIPTION_MAX = 120

# What the validator calls blank is Python's str.isspace(), spelled out for JSON Schema, whose `\s`
# is ECMA's and differs. PostgreSQL text cannot hold NUL.
_NOT_BLANK_OR_NUL = r"[^\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]"
_TITLE_PATTERN = rf"^[^\u0000]*{_NOT_BLANK_OR_NUL}[^\u0000]*$"
_NO_NUL = r"^[^\u0000]*$"


def _text(limit: int, *, nullable: bool, blank: bool) -> BeforeValidator:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string or null" if nullable else "must be a string")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters, got {len(value)}")
        # PostgreSQL text cannot hold NUL, and a lone surrogate is not UTF-8: both would fail in storage.
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text") from None
        if not blank and not value.strip():
            raise ValueError("must not be empty")
        return value

    return BeforeValidator(check)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _deadline(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string or null")
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ValueError(f"is not a valid date-time: {exc}") from None


Title = Annotated[
    str,
    _text(TITLE_MAX, nullable=False, blank=False),
    Field(min_length=1, max_length=TITLE_MAX, json_schema_extra={"pattern": _TITLE_PATTERN}),
]
Description = Annotated[
    Annotated[str, Field(max_length=DESCRIPTION_MAX, json_schema_extra={"pattern": _NO_NUL})] | None,
    _text(DESCRIPTION_MAX, nullable=True, blank=True),
]
Completed = Annotated[bool, BeforeValidator(_boolean)]
Deadline = Annotated[
    datetime | None,
    BeforeValidator(_deadline),
    WithJsonSchema(
        {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "ISO 8601; an offset is converted to UTC, none means UTC.",
        }
    ),
]


class TodoChanges(RequestModel):
    """The fields to change; the others keep their values."""

    # Absent means unchanged (given() leaves it out); a null title or completed is refused by the validator.
    title: Title = Field(None)  # type: ignore[assignment]
    description: Description = None
    completed: Completed = Field(None)  # type: ignore[assignment]
    deadline_at: Deadline = None


class NewTodo(TodoChanges):
    """A new todo: a title, and optionally the rest."""

    title: Title


WRITABLE_FIELDS = tuple(TodoChanges.model_fields)


class Todo(BaseModel):
    """A todo, as every endpoint answers it."""

    # Documents the answer; the rows themselves are rendered by orjson, on the hot path.

    model_config = ConfigDict(extra="forbid")

    id: int
    title: Annotated[str, Field(max_length=TITLE_MAX)]
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)] | None
    completed: bool
    deadline_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
