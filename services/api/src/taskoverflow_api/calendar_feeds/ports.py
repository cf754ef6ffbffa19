"""What the feed endpoints need from the outside world: the feed store and a way to queue a rebuild."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from ..todos.selection import Selection


@dataclasses.dataclass(frozen=True)
class ServedCalendar:
    """What a poll of a feed gets: its latest calendar (ics None when the poll's ETag still matches)."""

    revoked: bool
    # None until the first build of the feed's selection has finished.
    etag: str | None
    changed_at: datetime | None
    ics: str | None


class FeedStore(Protocol):
    def create(self, feed_id: str, token_hash: bytes, selection: Selection) -> None:
        """A feed of `selection`, sharing the calendar of every other feed with that selection;
        the calendar is marked edited so that it is built (or rebuilt) for the new subscriber."""
        ...

    def revoke(self, feed_id: str) -> bool | None:
        """Revoke a feed: True; False if it already was; None when there is no such feed."""
        ...

    def served(self, token_hash: bytes, if_none_match: Collection[str]) -> ServedCalendar | None:
        """The feed's latest calendar, without its text when its ETag is in `if_none_match`;
        None when no feed has this token."""
        ...

    def queue_stale_builds(self, *, delay_s: float, correlation_id: str | None) -> list[str]:
        """Mark every stale calendar with a live feed and no build queued as queued, and put one
        BuildFeedCalendar each in the outbox, sent `delay_s` later; their ids. Later edits find the
        build queued and queue nothing (coalescing)."""
        ...
