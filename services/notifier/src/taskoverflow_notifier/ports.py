"""What the notifier needs from the outside world: a record of what it published, and a publisher."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Protocol

from .notification import Notification


class ClaimState(enum.Enum):
    OWNED = "owned"  # this delivery publishes
    PUBLISHED = "published"  # an earlier delivery did: nothing to send
    IN_FLIGHT = "in_flight"  # another delivery claimed it and has neither confirmed nor let go


@dataclasses.dataclass(frozen=True)
class Claim:
    job_id: str
    status: str
    state: ClaimState
    # The claim's own claimed_at: releasing matches it, so a delivery whose lease ran out
    # cannot let go of the claim that took over from it.
    token: datetime | None = None
    sns_message_id: str | None = None
    lease_left_s: float = 0.0


class NotificationStore(Protocol):
    """One row per job end (job id and status): claim before publishing, confirm after, or let go."""

    def claim(self, job_id: str, status: str, subject: str) -> Claim:
        """Own the job end unless it was published or another claim is younger than the lease."""
        ...

    def confirm(self, claim: Claim, sns_message_id: str) -> None: ...

    def release(self, claim: Claim) -> None:
        """Let go of an unpublished claim, so the retry need not wait out the lease."""
        ...


class Publisher(Protocol):
    def publish(self, notification: Notification) -> str:
        """Send `notification`; return the message id the service gave it. Raises when not sent."""
        ...
