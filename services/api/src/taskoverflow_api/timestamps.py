"""The API's one date format: ISO 8601, UTC, no offset, whole seconds.

Timestamps are stored at whole seconds and written by the JSON renderer (orjson writes a naive
datetime as "2023-02-27T00:00:00"); this module reads them, tells the time, and documents the format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import WithJsonSchema

TIMESTAMP_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
    "description": "ISO 8601 in UTC without an offset, whole seconds.",
    "examples": ["2023-02-27T00:00:00"],
}
# A timestamp the API answers with (response models document it; responses are rendered by orjson).
Timestamp = Annotated[datetime, WithJsonSchema(TIMESTAMP_SCHEMA)]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def parse_timestamp(text: str) -> datetime:
    """Parse ISO 8601; an offset is converted to UTC, none means UTC already. Raises ValueError."""
    # fromisoformat also takes "20230227" or week dates; insist on the common shape.
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        raise ValueError("expected an ISO 8601 date-time such as 2023-02-27T00:00:00")
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError("date is out of range") from None
    return value.replace(microsecond=0)
