"""The one place the calendar-worker is wired: settings (and, in tests, fakes) in, a declared actor out."""

from __future__ import annotations

import dataclasses
from typing import Any

import dramatiq

from taskoverflow_shared.broker import send, set_up_broker
from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import CalendarJobFinished

from . import consumer
from .config import WorkerSettings
from .handler import CalendarJobHandler
from .ports import JobStore
from .postgres import PostgresJobStore


@dataclasses.dataclass(frozen=True)
class CalendarWorker:
    broker: dramatiq.Broker
    handler: CalendarJobHandler
    actor: dramatiq.Actor[Any, None]


def bootstrap(
    settings: WorkerSettings, *, broker: dramatiq.Broker | None = None, store: JobStore | None = None
) -> CalendarWorker:
    """Wire the worker: the broker BROKER_URL names (or `broker`, say a stub), the job store on
    DATABASE_URL (or `store`), the handler, and the generate_calendar actor on that broker."""
    if broker is None:
        broker = set_up_broker(settings.broker)
    if store is None:
        # One connection per worker thread, and one for the announcement's bookkeeping.
        store = PostgresJobStore(Database(settings.database_url, max_connections=settings.consumer.threads + 1))
    wired_broker = broker

    def announce(finished: CalendarJobFinished) -> None:
        send(wired_broker, finished)

    handler = CalendarJobHandler(store, announce, base_url=settings.public_base_url)
    return CalendarWorker(broker, handler, consumer.declare(broker, handler, settings.consumer))
