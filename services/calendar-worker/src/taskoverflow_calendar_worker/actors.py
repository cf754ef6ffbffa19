"""The Dramatiq entry point (`dramatiq taskoverflow_calendar_worker.actors`): decode, handle, done.

Dramatiq's CLI imports this module in every worker process, so the process is set up
here, in order: settings, logging, the broker, and only then the actor.
"""

from __future__ import annotations

from dramatiq.middleware import CurrentMessage, TimeLimitExceeded

from taskoverflow_shared.actor_context import decoded
from taskoverflow_shared.broker import declare_actor, send, set_up_broker
from taskoverflow_shared.db import Database
from taskoverflow_shared.logging import configure_logging
from taskoverflow_shared.messages import GenerateCalendar, MessageDecodeError

from .config import WorkerSettings
from .handler import CalendarJobHandler
from .job_store import JobStore

settings = WorkerSettings.from_env()
configure_logging(settings.log_format, settings.log_level)
broker = set_up_broker(settings.broker)
database = Database(settings.database_url, max_connections=settings.consumer.threads + 1)
handler = CalendarJobHandler(
    JobStore(database), lambda finished: send(broker, finished), base_url=settings.public_base_url
)


def _fail_readable_job(exc: MessageDecodeError) -> None:
    if exc.job_id:
        handler.fail_undecodable(exc.job_id, exc.reason)


def generate_calendar(*args, **kwargs) -> None:
    with decoded(GenerateCalendar, args, kwargs, on_undecodable=_fail_readable_job) as message:
        retries = CurrentMessage.get_current_message().options.get("retries", 0)
        last_attempt = retries >= settings.consumer.max_retries
        try:
            handler.handle(message, last_attempt=last_attempt)
        except TimeLimitExceeded as exc:
            # An interrupt, not an Exception: the handler's own error path never saw it.
            handler.record_failure(message, exc, last_attempt=last_attempt)
            if not last_attempt:
                raise


generate_calendar_actor = declare_actor(
    broker,
    GenerateCalendar,
    generate_calendar,
    settings.consumer,
    throws=(MessageDecodeError,),
)
