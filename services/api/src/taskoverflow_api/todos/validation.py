"""Checks a client's todo fields; pure, so every rule is testable without HTTP or a database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..timestamps import parse_timestamp

TITLE_MAX = 80
DESCRIPTION_MAX = 120
WRITABLE_FIELDS = ("title", "description", "completed", "deadline_at")
MAX_WINDOW_DAYS = 3_650_000  # ~10,000 years: past that, "within N days" means "any deadline".


class ValidationError(ValueError):
    """The client sent something the contract does not allow; the message says what and where."""


def _text(field: str, value: Any, limit: int, *, nullable: bool) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        kind = "a string or null" if nullable else "a string"
        raise ValidationError(f"'{field}' must be {kind}")
    if len(value) > limit:
        raise ValidationError(f"'{field}' must be at most {limit} characters, got {len(value)}")
    # PostgreSQL text cannot hold NUL, and a lone surrogate is not UTF-8: both would fail in storage.
    if "\x00" in value:
        raise ValidationError(f"'{field}' must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"'{field}' must be valid Unicode text") from None
    return value


def _deadline(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("'deadline_at' must be an ISO 8601 date-time string or null")
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ValidationError(f"'deadline_at' is not a valid date-time: {exc}") from None


def todo_fields(data: Any, *, creating: bool) -> dict[str, Any]:
    """The writable fields of a POST (creating) or PUT body, checked and converted."""
    if not isinstance(data, dict):
        raise ValidationError("request body must be a JSON object")
    unknown = sorted(set(data) - set(WRITABLE_FIELDS))
    if unknown:
        raise ValidationError(f"unknown or read-only fields: {', '.join(unknown)}")
    if creating and "title" not in data:
        raise ValidationError("'title' is required")

    fields: dict[str, Any] = {}
    if "title" in data:
        title = _text("title", data["title"], TITLE_MAX, nullable=False)
        if not title or not title.strip():
            raise ValidationError("'title' must not be empty")
        fields["title"] = title
    if "description" in data:
        fields["description"] = _text("description", data["description"], DESCRIPTION_MAX, nullable=True)
    if "completed" in data:
        if not isinstance(data["completed"], bool):
            raise ValidationError("'completed' must be true or false")
        fields["completed"] = data["completed"]
    if "deadline_at" in data:
        fields["deadline_at"] = _deadline(data["deadline_at"])
    return fields


def completed_filter(raw: str | None) -> bool | None:
    """The `completed` query parameter: absent, true or false."""
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise ValidationError("'completed' must be true or false")
    return lowered == "true"


def window_filter(raw: str | None) -> int | None:
    """The `window` query parameter: a whole number of days, zero or more."""
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise ValidationError("'window' must be a whole number of days (0 or more)")
    # int() refuses strings past 4300 digits (ValueError, a 500); anything that long is past the cap anyway.
    digits = raw.lstrip("0") or "0"
    return MAX_WINDOW_DAYS if len(digits) > len(str(MAX_WINDOW_DAYS)) else min(int(digits), MAX_WINDOW_DAYS)


def todo_id(raw: int) -> int | None:
    """An id PostgreSQL's integer column can hold, or None (no such todo)."""
    return raw if 0 < raw <= 2_147_483_647 else None
