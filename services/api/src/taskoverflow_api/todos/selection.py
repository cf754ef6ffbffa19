"""Which todos a list (or a calendar export) takes: `completed` and a deadline `window` of N days."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from ..timestamps import utc_now


@dataclasses.dataclass(frozen=True)
class Selection:
    completed: bool | None = None
    window: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    def selects(self, todo: dict[str, Any], now: datetime | None = None) -> bool:
        """Whether `todo` is in the selection (what the SQL's WHERE says, for the in-memory store)."""
        if self.completed is not None and todo["completed"] != self.completed:
            return False
        cutoff = deadline_cutoff(self.window, now)
        # Past-due todos are inside any window; todos with no deadline are in none.
        return cutoff is None or (todo["deadline_at"] is not None and todo["deadline_at"] <= cutoff)


def deadline_cutoff(window_days: int | None, now: datetime | None = None) -> datetime | None:
    """The latest deadline inside a window of N days from now (None: no window)."""
    if window_days is None:
        return None
    try:
        return (now or utc_now()) + timedelta(days=window_days)
    except OverflowError:
        return datetime.max.replace(microsecond=0)
