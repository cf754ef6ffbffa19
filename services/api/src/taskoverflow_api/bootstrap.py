"""The one place the API is wired: settings (and, in tests, fakes) in, the Flask app out.

`settings()` parses the environment once per process: gunicorn's config (in the master) and the
WSGI module (in each forked worker) share it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask

from taskoverflow_shared.background import Loop
from taskoverflow_shared.broker import SENDER_READ_TIMEOUT_S, broker_probe, send, set_up_broker
from taskoverflow_shared.db import Database
from taskoverflow_shared.outbox import OutboxRelay

from .app import create_app
from .calendar_feeds.ports import FeedStore
from .calendar_feeds.postgres import PostgresFeedStore
from .calendar_jobs.ports import CalendarJobStore, WakeRelay
from .calendar_jobs.postgres import PostgresCalendarJobStore
from .calendar_jobs.reconciler import Reconciler
from .config import ApiSettings
from .dependencies import Dependencies
from .todos.ports import TodoStore
from .todos.postgres import PostgresTodoStore

# Where bootstrap leaves the background loops for `start_background` (wsgi.py, in each worker).
_LOOPS = "taskoverflow.background"


@functools.cache
def settings() -> ApiSettings:
    """This process's settings, from the environment, read once."""
    return ApiSettings.from_env()


def bootstrap(
    settings: ApiSettings,
    *,
    todos: TodoStore | None = None,
    calendar_jobs: CalendarJobStore | None = None,
    wake_relay: WakeRelay | None = None,
    feeds: FeedStore | None = None,
) -> Flask:
    """The app on PostgreSQL (DATABASE_URL) and the broker BROKER_URL names, unless given fakes.

    With a broker, the outbox relay and the reconciler are wired too (started by
    `start_background`). Without BROKER_URL and without `wake_relay`, calendar export answers 503.
    The schema is migrated by the entry point (`python -m taskoverflow_api`), before gunicorn forks.
    """
    database: Database | None = None
    if todos is None or calendar_jobs is None:
        database = Database(settings.database_url, max_connections=settings.db_pool_size)
        todos = todos or PostgresTodoStore(database)
        calendar_jobs = calendar_jobs or PostgresCalendarJobStore(database)
    readiness: dict[str, Callable[[], None]] = {}
    loops: list[Loop] = []
    if database is not None:
        readiness["database"] = functools.partial(_select_one, database)
    if wake_relay is None and settings.broker is not None and database is not None:
        # A sender's calls to the broker give up in seconds: the relay backs off and tries again.
        broker = set_up_broker(settings.broker, read_timeout_s=SENDER_READ_TIMEOUT_S)
        relay = OutboxRelay(database, functools.partial(send, broker), settings.outbox)
        relay_loop = Loop(
            "outbox-relay",
            lambda: relay.relay_once() >= settings.outbox.batch_size,
            settings.outbox.poll_ms / 1000,
            due_in_s=lambda: relay.next_due_in_s,
        )
        reconciler = Reconciler(database, settings.reconcile)

        def reconcile() -> bool:
            if reconciler.reconcile_once():
                relay_loop.wake()
            relay.purge_sent()
            return False

        loops = [relay_loop, Loop("reconciler", reconcile, settings.reconcile.interval_s)]
        wake_relay = relay_loop.wake
        readiness["broker"] = broker_probe(settings.broker)
        # Feed rebuilds go through the outbox too (delayed, so a burst of edits shares one build).
        feeds = feeds or PostgresFeedStore(database)
    app = create_app(Dependencies(settings, todos, calendar_jobs, wake_relay, readiness, feeds))
    app.extensions[_LOOPS] = loops
    return app


def start_background(app: Flask) -> None:
    """Start the outbox relay and the reconciler of an app bootstrap wired (none with fakes)."""
    for loop in app.extensions.get(_LOOPS, []):
        loop.start()


def _select_one(database: Database) -> None:
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
