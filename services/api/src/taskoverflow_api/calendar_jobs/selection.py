"""Which todos a calendar job takes: `completed` and `window`, from the JSON body or the query."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..todos.validation import MAX_WINDOW_DAYS, ValidationError, completed_filter, window_filter

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclasses.dataclass(frozen=True)
class Selection:
    completed: bool | None = None
    window: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


def selection_from(body: Any, query: dict[str, str]) -> Selection:
    """Body fields win; the query fills what the body leaves out. Both must be valid."""
    if not isinstance(body, dict):
        raise ValidationError("request body must be a JSON object")
    unknown = sorted(set(body) - {"completed", "window"})
    if unknown:
        raise ValidationError(f"unknown fields: {', '.join(unknown)} (a calendar takes 'completed' and 'window')")

    completed = body.get("completed")
    if completed is not None and not isinstance(completed, bool):
        raise ValidationError("'completed' must be true or false")
    window = body.get("window")
    if isinstance(window, float) and window.is_integer():
        window = int(window)  # JSON has one number type: 30.0 is the integer 30 (JSON Schema agrees)
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 0):
        raise ValidationError("'window' must be a whole number of days (0 or more)")
    # Parsed even when the body overrides them: a malformed value is refused wherever it is.
    query_completed = completed_filter(query.get("completed"))
    query_window = window_filter(query.get("window"))
    return Selection(
        completed=completed if completed is not None else query_completed,
        window=min(window, MAX_WINDOW_DAYS) if window is not None else query_window,
    )


def idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        raise ValidationError("'Idempotency-Key' must be 1 to 255 visible ASCII characters")
    return raw
