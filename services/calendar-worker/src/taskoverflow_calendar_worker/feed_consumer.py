"""How the calendar-worker consumes BuildFeedCalendar: decode, hand over to the feed handler.

A failed build is retried by Dramatiq; once the retries are spent the calendar keeps serving its
previous build, and the periodic clean-up queues it again (it is still stale)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq

from taskoverflow_shared.actor_context import decoded
from taskoverflow_shared.consumer import ConsumerSettings, declare_actor
from taskoverflow_shared.messages import BuildFeedCalendar, MessageDecodeError

from .feed_handler import FeedBuildHandler


def build_feed_calendar_body(handler: FeedBuildHandler) -> Callable[..., None]:
    def build_feed_calendar(*args: Any, **kwargs: Any) -> None:
        with decoded(BuildFeedCalendar, args, kwargs) as message:
            handler.handle(message)

    return build_feed_calendar


def declare(
    broker: dramatiq.Broker, handler: FeedBuildHandler, consumer: ConsumerSettings
) -> dramatiq.Actor[Any, None]:
    """The build_feed_calendar actor on `broker`. An undecodable message is not retried: dead-lettered."""
    return declare_actor(
        broker, BuildFeedCalendar, build_feed_calendar_body(handler), consumer, throws=(MessageDecodeError,)
    )
