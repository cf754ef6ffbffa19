"""How the notifier consumes CalendarJobFinished: the actor's body and its declaration.

Every exception but one propagates (SNS unreachable, the database down): Dramatiq retries with
backoff, and after the last retry the message goes to the dead-letter queue. A job end another
delivery is publishing is retried once that delivery's lease has run out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq

from taskoverflow_shared.actor_context import decoded
from taskoverflow_shared.broker import MAX_BACKOFF_MS
from taskoverflow_shared.consumer import ConsumerSettings, declare_actor
from taskoverflow_shared.messages import CalendarJobFinished, MessageDecodeError

from .handler import NotificationHandler, NotificationInFlight


def retry_delay_ms(exc: NotificationInFlight) -> int:
    """The rest of the lease, and one second more: the lease has surely run out by then."""
    return min(int(exc.retry_after_s * 1000) + 1_000, MAX_BACKOFF_MS)


def notify_body(handler: NotificationHandler) -> Callable[..., None]:
    def notify_calendar_job_finished(*args: Any, **kwargs: Any) -> None:
        with decoded(CalendarJobFinished, args, kwargs) as message:
            try:
                handler.handle(message)
            except NotificationInFlight as exc:
                # A retry like any other (it counts against NOTIFY_MAX_RETRIES), but timed to the
                # lease and not logged as an error.
                raise dramatiq.Retry(str(exc), delay=retry_delay_ms(exc)) from None

    return notify_calendar_job_finished


def declare(
    broker: dramatiq.Broker, handler: NotificationHandler, consumer: ConsumerSettings
) -> dramatiq.Actor[Any, None]:
    """The notify_calendar_job_finished actor on `broker`. An undecodable message is dead-lettered at once."""
    return declare_actor(broker, CalendarJobFinished, notify_body(handler), consumer, throws=(MessageDecodeError,))
