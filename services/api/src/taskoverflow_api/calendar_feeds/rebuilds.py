"""Queueing feed rebuilds after todos changed: one BuildFeedCalendar per stale calendar that has none
queued, through the outbox (so a broker outage never slows or fails the edit). Never fails the
request that changed the todos: a rebuild that could not be queued is queued again by the next
edit, or by the calendar-worker's periodic clean-up."""

from __future__ import annotations

import structlog

from ..calendar_jobs.ports import WakeRelay
from ..request_context import current_request_id
from .ports import FeedStore

log = structlog.get_logger(__name__)


def queue_feed_rebuilds(feeds: FeedStore | None, wake_relay: WakeRelay | None, *, delay_ms: int) -> int:
    """Queue a rebuild of every stale feed calendar and tell the relay, which sends each when it falls
    due (not at its next idle look); how many were queued."""
    if feeds is None:
        return 0
    try:
        calendar_ids = feeds.queue_stale_builds(delay_s=delay_ms / 1000, correlation_id=current_request_id())
    except Exception as exc:  # noqa: BLE001 - the todo write succeeded; the clean-up queues it later
        log.error("feed_rebuilds_not_queued", error=f"{type(exc).__name__}: {exc}")
        return 0
    if calendar_ids:
        log.info("feed_rebuilds_queued", calendars=len(calendar_ids))
        if wake_relay is not None:
            wake_relay()
    return len(calendar_ids)
