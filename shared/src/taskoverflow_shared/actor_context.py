"""What every actor does first: decode its message and bind job_id and correlation_id into every
log line it writes (or log an undecodable message and let it go to the dead-letter queue), and
tell whether this delivery is the last attempt Dramatiq will make."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from dramatiq.middleware import CurrentMessage

from .messages import MessageDecodeError, Msg, from_actor_arguments

log = structlog.get_logger(__name__)


@contextlib.contextmanager
def decoded(
    message_type: type[Msg],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    on_undecodable: Callable[[MessageDecodeError], None] | None = None,
) -> Iterator[Msg]:
    """Yield the decoded message with the log context bound; the context is cleared afterwards.

    A MessageDecodeError is logged, handed to `on_undecodable` (say, to fail a readable job id)
    and re-raised: actors declare it in `throws`, so Dramatiq dead-letters it without retries.
    """
    structlog.contextvars.clear_contextvars()
    try:
        try:
            message = from_actor_arguments(message_type, args, kwargs)
        except MessageDecodeError as exc:
            structlog.contextvars.bind_contextvars(job_id=exc.job_id)
            log.error("message_undecodable", message_type=message_type.TYPE, error=exc.reason)
            if on_undecodable is not None:
                on_undecodable(exc)
            raise
        structlog.contextvars.bind_contextvars(job_id=message.job_id, correlation_id=message.correlation_id)
        yield message
    finally:
        structlog.contextvars.clear_contextvars()


def is_last_attempt(max_retries: int) -> bool:
    """Whether the message being processed has no retry left (Dramatiq counts them in its options)."""
    message = CurrentMessage.get_current_message()
    retries = 0 if message is None else int(message.options.get("retries", 0))
    return retries >= max_retries
