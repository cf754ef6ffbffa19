"""The one place the API is wired: settings (and, in tests, fakes) in, the Flask app out.

`settings()` parses the environment once per process: gunicorn's config (in the master) and the
WSGI module (in each forked worker) share it.
"""

from __future__ import annotations

import functools

from flask import Flask

from taskoverflow_shared.broker import send, set_up_broker
from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import BuildFeedCalendar, GenerateCalendar

from .app import create_app
from .calendar_feeds.ports import FeedStore, SendFeedBuild
from .calendar_feeds.postgres import PostgresFeedStore
from .calendar_jobs.ports import CalendarJobStore, SendJob
from .calendar_jobs.postgres import PostgresCalendarJobStore
from .config import ApiSettings
from .dependencies import Dependencies
from .todos.ports import TodoStore
from .todos.postgres import PostgresTodoStore


@functools.cache
def settings() -> ApiSettings:
    """This process's settings, from the environment, read once."""
    return ApiSettings.from_env()


def bootstrap(
    settings: ApiSettings,
    *,
    todos: TodoStore | None = None,
    calendar_jobs: CalendarJobStore | None = None,
    send_job: SendJob | None = None,
    feeds: FeedStore | None = None,
    send_feed_build: SendFeedBuild | None = None,
) -> Flask:
    """The app on PostgreSQL (DATABASE_URL) and the broker BROKER_URL names, unless given fakes.

    Without BROKER_URL and without `send_job`, calendar export answers 503. The schema is migrated
    by the entry point (`python -m taskoverflow_api`), before gunicorn forks.
    """
    if todos is None or calendar_jobs is None:
        database = Database(settings.database_url, max_connections=settings.db_pool_size)
        todos = todos or PostgresTodoStore(database)
        calendar_jobs = calendar_jobs or PostgresCalendarJobStore(database)
        feeds = feeds or PostgresFeedStore(database)
    if send_job is None and settings.broker is not None:
        broker = set_up_broker(settings.broker)

        def send_job(message: GenerateCalendar) -> None:
            send(broker, message)

        # A short delay coalesces a burst of edits into one build (FEED_BUILD_DELAY_MS).
        delay_ms = settings.feed_build_delay_ms

        def send_feed_build(message: BuildFeedCalendar) -> None:
            send(broker, message, delay_ms=delay_ms or None)

    return create_app(Dependencies(settings, todos, calendar_jobs, send_job, feeds, send_feed_build))
