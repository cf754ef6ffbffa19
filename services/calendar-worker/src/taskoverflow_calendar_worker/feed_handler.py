"""One feed rebuild: claim the calendar, build it from the todos its selection holds now, store it.
Free of Dramatiq, so it is tested without a broker."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

import structlog

from taskoverflow_shared.messages import BuildFeedCalendar

from .calendar_builder import build_calendar
from .feed_ports import FeedCalendarStore

log = structlog.get_logger(__name__)

# DTSTAMP of a calendar whose selection is empty (it has no event to carry one).
_NO_CHANGE = datetime(1970, 1, 1)


def calendar_etag(ics: str) -> str:
    """The same text gives the same ETag, whichever build made it: polls stay 304 across no-op rebuilds."""
    return hashlib.sha256(ics.encode("utf-8")).hexdigest()[:32]


class FeedBuildHandler:
    def __init__(self, store: FeedCalendarStore, *, base_url: str, refresh: timedelta) -> None:
        self.store = store
        self.base_url = base_url
        self.refresh = refresh

    def handle(self, message: BuildFeedCalendar) -> None:
        """Rebuild; an exception asks Dramatiq for a retry (the calendar is still served meanwhile)."""
        started = time.perf_counter()
        build = self.store.claim(message.job_id)
        if build is None:
            # Revoked by every subscriber since the edit, or a message for a calendar that never was.
            log.info("feed_calendar_not_built", reason="no live feed")
            return
        built = build_calendar(
            build.todos, base_url=self.base_url, stamp=build.latest_change or _NO_CHANGE, refresh=self.refresh
        )
        stored = self.store.store(build, built.ics, calendar_etag(built.ics), built.event_count)
        log.info(
            "feed_calendar_built",
            events=built.event_count,
            stored=stored,
            build_ms=round((time.perf_counter() - started) * 1000, 1),
        )
