"""The Dramatiq entry point (`dramatiq taskoverflow_notifier.actors`): decode, handle, done.

Dramatiq's CLI imports this module in every worker process, so the process is set up
here, in order: settings, logging, the broker, the real adapters, and only then the actor.
"""

from __future__ import annotations

import dramatiq

from taskoverflow_shared.actor_context import decoded
from taskoverflow_shared.broker import MAX_BACKOFF_MS, declare_actor, set_up_broker
from taskoverflow_shared.db import Database
from taskoverflow_shared.logging import configure_logging
from taskoverflow_shared.messages import CalendarJobFinished, MessageDecodeError

from .config import NotifierSettings
from .handler import NotificationHandler, NotificationInFlight
from .notification_store import NotificationStore
from .sns import SnsPublisher

settings = NotifierSettings.from_env()
configure_logging(settings.log_format, settings.log_level)
broker = set_up_broker(settings.broker)
database = Database(settings.database_url, max_connections=settings.consumer.threads + 1)
handler = NotificationHandler(
    NotificationStore(database, lease_s=settings.claim_lease_s),
    SnsPublisher(settings.sns_topic_arn, region=settings.sns_region, endpoint_url=settings.aws_endpoint_url),
    base_url=settings.public_base_url,
)


def notify_calendar_job_finished(*args, **kwargs) -> None:
    with decoded(CalendarJobFinished, args, kwargs) as message:
        try:
            handler.handle(message)
        except NotificationInFlight as exc:
            # A retry like any other (it counts against NOTIFY_MAX_RETRIES), but timed to the lease
            # and not logged as an error. One second more: the lease has surely run out by then.
            delay_ms = min(int(exc.retry_after_s * 1000) + 1_000, MAX_BACKOFF_MS)
            raise dramatiq.Retry(str(exc), delay=delay_ms) from None


# Every other exception (SNS unreachable, the database down) propagates: Dramatiq retries with
# backoff, and after the last retry the message goes to the dead-letter queue.
notify_calendar_job_finished_actor = declare_actor(
    broker,
    CalendarJobFinished,
    notify_calendar_job_finished,
    settings.consumer,
    throws=(MessageDecodeError,),
)
