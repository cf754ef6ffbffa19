"""What the feed builds need from the outside world: the feed calendars and the todos they select."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Protocol


@dataclasses.dataclass(frozen=True)
class FeedBuild:
    """A claimed rebuild: the selection, the todos it selected, and when they were read."""

    calendar_id: str
    todos: list[dict[str, Any]]
    # The latest updated_at among them: the events' DTSTAMP, so an unchanged selection rebuilds to the same bytes.
    latest_change: datetime | None
    # Every edit before this moment is in `todos`; one after it leaves the calendar stale.
    read_from: datetime


class FeedCalendarStore(Protocol):
    def claim(self, calendar_id: str) -> FeedBuild | None:
        """Clear the calendar's queued flag (an edit from now on queues another build), then read
        its todos; None when the calendar is gone or nobody subscribes to it any more."""
        ...

    def store(self, build: FeedBuild, ics: str, etag: str, event_count: int) -> bool:
        """Serve `ics` from now on, unless a build that read later got there first (False)."""
        ...
