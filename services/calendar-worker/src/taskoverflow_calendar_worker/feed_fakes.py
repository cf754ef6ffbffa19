"""An in-memory FeedCalendarStore for unit tests: calendars a test adds with the todos they select."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from .feed_ports import FeedBuild


@dataclasses.dataclass
class FakeFeedCalendar:
    todos: list[dict[str, Any]]
    live: bool = True
    queued: bool = True
    ics: str | None = None
    etag: str | None = None
    builds: int = 0
    read_from: datetime | None = None


class FakeFeedCalendarStore:
    def __init__(self) -> None:
        self.calendars: dict[str, FakeFeedCalendar] = {}

    def add(self, todos: list[dict[str, Any]], *, live: bool = True) -> str:
        """A calendar with a build queued (a test's Given); returns its id."""
        calendar_id = str(uuid.uuid4())
        self.calendars[calendar_id] = FakeFeedCalendar(todos, live)
        return calendar_id

    def claim(self, calendar_id: str) -> FeedBuild | None:
        calendar = self.calendars.get(calendar_id)
        if calendar is None or not calendar.live:
            return None
        calendar.queued = False
        latest = max((datetime.fromisoformat(t["updated_at"]) for t in calendar.todos), default=None)
        return FeedBuild(calendar_id, list(calendar.todos), latest, datetime.now(UTC))

    def store(self, build: FeedBuild, ics: str, etag: str, event_count: int) -> bool:
        calendar = self.calendars[build.calendar_id]
        if calendar.read_from is not None and calendar.read_from >= build.read_from:
            return False
        calendar.ics, calendar.etag, calendar.read_from = ics, etag, build.read_from
        calendar.builds += 1
        return True
