"""A calendar-job request as clients send it, and the job as the API answers: each rule once,
validating the body and generating its part of the OpenAPI document."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from taskoverflow_shared.job_status import JobStatus

from ..request_models import RequestModel, ValidationError
from ..timestamps import Timestamp
from ..todos.selection import Selection
from ..todos.validation import MAX_WINDOW_DAYS, MAX_WINDOW_DIGITS

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _completed(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _window(value: Any) -> int | None:
    # The list endpoint's rule, for a JSON number: an integer written as one (not 2.0, -0.0 or 1e308,
    # which a client's float produced), zero or more, of at most 18 digits.
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**MAX_WINDOW_DIGITS
    ):
        raise ValueError(f"must be a whole number of days (0 or more, at most {MAX_WINDOW_DIGITS} digits)")
    return value


class CalendarJobRequest(RequestModel):
    """Which todos the calendar takes; null, or a field left out, selects as if not given."""

    UNKNOWN_FIELDS: ClassVar[str] = "unknown fields: {names} (a calendar takes 'completed' and 'window')"

    completed: Annotated[bool | None, BeforeValidator(_completed), WithJsonSchema({"type": ["boolean", "null"]})] = None
    window: Annotated[
        int | None,
        BeforeValidator(_window),
        WithJsonSchema({"type": ["integer", "null"], "minimum": 0, "maximum": 10**MAX_WINDOW_DIGITS - 1}),
    ] = None

    def selection(self, *, query_completed: bool | None, query_window: int | None) -> Selection:
        """Body fields win; the query fills what the body leaves out."""
        return Selection(
            completed=self.completed if self.completed is not None else query_completed,
            window=min(self.window, MAX_WINDOW_DAYS) if self.window is not None else query_window,
        )


def idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        raise ValidationError("'Idempotency-Key' must be 1 to 255 visible ASCII characters")
    return raw


class JobStarted(BaseModel):
    """The job was started (or, with a known Idempotency-Key, found): poll task_url."""

    task_id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    task_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]


class CalendarJobStatus(BaseModel):
    """A job's status (Celery's status names)."""

    task_id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    task_status: JobStatus
    result_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    created_at: Timestamp | None
    finished_at: Timestamp | None
    todo_count: int
    event_count: int | None
    error: str | None = Field(None, description="Why, on RETRY and FAILURE.")


class JobNotFound(BaseModel):
    """No such job ({"error": "Task not found"}), or, for a result, a job not finished yet
    ({"error": "Task not finished", "task_status": ...})."""

    model_config = ConfigDict(extra="forbid")

    error: str
    task_status: JobStatus | None = None
