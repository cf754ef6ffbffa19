"""How the calendar-worker consumes GenerateCalendar: the actor's body and its declaration.

The body decodes the message, asks Dramatiq whether this is the last attempt, and hands over to
the handler; on the last attempt a failure ends the job FAILURE instead of asking for a retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import TimeLimitExceeded

from taskoverflow_shared.actor_context import decoded, is_last_attempt
from taskoverflow_shared.consumer import ConsumerSettings, declare_actor
from taskoverflow_shared.messages import GenerateCalendar, MessageDecodeError

from .handler import CalendarJobHandler, JobNotFound


def generate_calendar_body(handler: CalendarJobHandler, *, max_retries: int) -> Callable[..., None]:
    def fail_readable_job(exc: MessageDecodeError) -> None:
        if exc.job_id:
            handler.fail_undecodable(exc.job_id, exc.reason)

    def generate_calendar(*args: Any, **kwargs: Any) -> None:
        with decoded(GenerateCalendar, args, kwargs, on_undecodable=fail_readable_job) as message:
            last_attempt = is_last_attempt(max_retries)
            try:
                handler.handle(message, last_attempt=last_attempt)
            except TimeLimitExceeded as exc:
                # An interrupt, not an Exception: the handler's own error path never saw it.
                handler.record_failure(message, exc, last_attempt=last_attempt)
                if not last_attempt:
                    raise

    return generate_calendar


def declare(
    broker: dramatiq.Broker, handler: CalendarJobHandler, consumer: ConsumerSettings
) -> dramatiq.Actor[Any, None]:
    """The generate_calendar actor on `broker`. An undecodable message, or one for a job that does not
    exist, is not retried: dead-lettered."""
    body = generate_calendar_body(handler, max_retries=consumer.max_retries)
    return declare_actor(broker, GenerateCalendar, body, consumer, throws=(MessageDecodeError, JobNotFound))
