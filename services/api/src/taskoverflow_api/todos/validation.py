"""The todo endpoints' inputs besides the body: query filters and ids (pure: testable without HTTP),
and `todo_fields`, a body as the routes take it."""

from __future__ import annotations

from typing import Any

from ..request_models import ValidationError
from .models import DESCRIPTION_MAX, TITLE_MAX, WRITABLE_FIELDS, NewTodo, TodoChanges

__all__ = [
    "DESCRIPTION_MAX",
    "MAX_WINDOW_DAYS",
    "TITLE_MAX",
    "WRITABLE_FIELDS",
    "ValidationError",
    "completed_filter",
    "todo_fields",
    "todo_id",
    "window_filter",
]

MAX_WINDOW_DAYS = 3_650_000  # ~10,000 years: past that, "within N days" means "any deadline".
# A window is a 64-bit integer at most (every client's integer type holds it); longer is refused,
# not read: 400 digits is a mistake or a probe, not a number of days.
MAX_WINDOW_DIGITS = 18

# The query parameters as the OpenAPI document states them (the list and the calendar export share them).
COMPLETED_PARAMETER: dict[str, Any] = {
    "name": "completed",
    "in": "query",
    "schema": {"type": "string", "enum": ["true", "false"]},
}
WINDOW_PARAMETER: dict[str, Any] = {
    "name": "window",
    "in": "query",
    "description": "Only todos due within this many days from now (past-due included, no deadline excluded).",
    "schema": {"type": "integer", "minimum": 0, "maximum": 10**MAX_WINDOW_DIGITS - 1},
}


def todo_fields(data: Any, *, creating: bool) -> dict[str, Any]:
    """The writable fields of a POST (creating) or PUT body, checked and converted; ValidationError otherwise."""
    return (NewTodo if creating else TodoChanges).parse(data).given()


def completed_filter(raw: str | None) -> bool | None:
    """The `completed` query parameter: absent, true or false."""
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise ValidationError("'completed' must be true or false")
    return lowered == "true"


WINDOW_RULE = f"'window' must be a whole number of days (0 or more, at most {MAX_WINDOW_DIGITS} digits)"


def window_days(value: int) -> int:
    """A window's days, capped (past the cap every deadline is within it)."""
    return min(value, MAX_WINDOW_DAYS)


def window_filter(raw: str | None) -> int | None:
    """The `window` query parameter: a whole number of days, zero or more, of at most 18 digits."""
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_WINDOW_DIGITS:
        raise ValidationError(WINDOW_RULE)
    return window_days(int(raw))


def todo_id(raw: int) -> int | None:
    """An id PostgreSQL's integer column can hold, or None (no such todo)."""
    return raw if 0 < raw <= 2_147_483_647 else None
