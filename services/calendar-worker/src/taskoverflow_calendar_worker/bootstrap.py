"""The one place the calendar-worker is wired: settings (and, in tests, fakes) in, a declared actor out."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import dramatiq

from taskoverflow_shared.broker import send, set_up_broker
from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import BuildFeedCalendar, CalendarJobFinished

from . import consumer, feed_consumer
from .config import WorkerSettings
from .feed_handler import FeedBuildHandler
from .feed_ports import FeedCalendarStore
from .feed_postgres import PostgresFeedCalendarStore
from .handler import CalendarJobHandler
from .housekeeping import Housekeeping, Retention
from .ports import JobStore
from .postgres import PostgresJobStore


@dataclasses.dataclass(frozen=True)
class CalendarWorker:
    broker: dramatiq.Broker
    handler: CalendarJobHandler
    actor: dramatiq.Actor[Any, None]
    feed_handler: FeedBuildHandler
    feed_actor: dramatiq.Actor[Any, None]


def bootstrap(
    settings: WorkerSettings,
    *,
    broker: dramatiq.Broker | None = None,
    store: JobStore | None = None,
    feed_store: FeedCalendarStore | None = None,
) -> CalendarWorker:
    """Wire the worker: the broker BROKER_URL names (or `broker`, say a stub), the job and feed stores
    on DATABASE_URL (or `store`, `feed_store`), the handlers, the generate_calendar and
    build_feed_calendar actors on that broker, and (on the real stores) the periodic clean-up."""
    if broker is None:
        broker = set_up_broker(settings.broker)
    wired_broker = broker

    def announce(finished: CalendarJobFinished) -> None:
        send(wired_broker, finished)

    def send_feed_build(message: BuildFeedCalendar) -> None:
        send(wired_broker, message)

    if store is None:
        # One connection per worker thread, one for the announcement's bookkeeping, one for the clean-up.
        database = Database(settings.database_url, max_connections=settings.consumer.threads + 2)
        store = PostgresJobStore(database)
        feed_store = feed_store or PostgresFeedCalendarStore(database)
        retention = Retention(settings.result_expires_s, settings.job_rows_kept_s, settings.feed_window_rebuild_s)
        broker.add_middleware(
            Housekeeping(database, retention, send_feed_build, interval_s=settings.housekeeping_interval_s)
        )

    if feed_store is None:
        raise ValueError("bootstrap: a job store was given without a feed store")
    handler = CalendarJobHandler(store, announce, base_url=settings.public_base_url)
    feed_handler = FeedBuildHandler(
        feed_store, base_url=settings.public_base_url, refresh=timedelta(seconds=settings.feed_refresh_s)
    )
    return CalendarWorker(
        broker,
        handler,
        consumer.declare(broker, handler, settings.consumer),
        feed_handler,
        feed_consumer.declare(broker, feed_handler, settings.consumer),
    )
