"""The port the handler publishes through, and a fake that records what it would have sent."""

from __future__ import annotations

import itertools
from typing import Protocol

from .notification import Notification


class Publisher(Protocol):
    def publish(self, notification: Notification) -> str:
        """Send `notification`; return the message id the service gave it. Raises when not sent."""
        ...


class FakePublisher:
    """Records each notification instead of sending it; set `error` to make the next publishes fail."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.error: BaseException | None = None
        self._ids = itertools.count(1)

    def publish(self, notification: Notification) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append(notification)
        return f"fake-message-{next(self._ids)}"
