"""Queueing feed rebuilds after todos changed: one BuildFeedCalendar per stale calendar that has none
queued. Never fails the request that changed the todos: a rebuild that could not be queued is queued
again by the next edit, or by the calendar-worker's periodic clean-up."""

from __future__ import annotations

import structlog

from taskoverflow_shared.messages import BuildFeedCalendar

from ..request_context import current_request_id
from .ports import FeedStore, SendFeedBuild

log = structlog.get_logger(__name__)


def queue_feed_rebuilds(feeds: FeedStore | None, send: SendFeedBuild | None) -> int:
    """Queue a rebuild of every stale feed calendar; how many were queued."""
    if feeds is None or send is None:
        return 0
    try:
        calendar_ids = feeds.queue_stale_builds()
    except Exception as exc:  # noqa: BLE001 - the todo write succeeded; the clean-up queues it later
        log.error("feed_rebuilds_not_queued", error=f"{type(exc).__name__}: {exc}")
        return 0
    queued = 0
    for calendar_id in calendar_ids:
        try:
            send(BuildFeedCalendar(job_id=calendar_id, correlation_id=current_request_id()))
            queued += 1
        except Exception as exc:  # noqa: BLE001 - any broker error: unqueued, so the next edit retries
            log.error("feed_rebuild_not_sent", calendar_id=calendar_id, error=f"{type(exc).__name__}: {exc}")
            try:
                feeds.unqueue(calendar_id)
            except Exception:
                log.exception("feed_rebuild_not_unqueued", calendar_id=calendar_id)
    if queued:
        log.info("feed_rebuilds_queued", calendars=queued)
    return queued
