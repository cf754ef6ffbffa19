"""In-memory stand-ins for the notifier's ports, for unit tests: a notification store on a clock the
test moves, a publisher that records what it would have sent, and a batch call that records its
batches and can be held. The contract tests hold FakeNotificationStore and PostgresNotificationStore
to the same cases."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from .batching import PublishBatch
from .notification import Notification
from .ports import Claim, ClaimState


@dataclasses.dataclass
class NotificationRow:
    subject: str
    claimed_at: datetime | None
    published_at: datetime | None = None
    sns_message_id: str | None = None


class FakeNotificationStore:
    """NotificationStore's semantics in memory; `advance` moves its clock."""

    def __init__(self, *, lease_s: int = 300) -> None:
        self.lease = timedelta(seconds=lease_s)
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        self.rows: dict[tuple[str, str], NotificationRow] = {}
        self.confirm_error: Exception | None = None

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def claim(self, job_id: str, status: str, subject: str) -> Claim:
        row = self.rows.get((job_id, status))
        if row is None or (
            row.published_at is None and (row.claimed_at is None or row.claimed_at < self.now - self.lease)
        ):
            self.rows[(job_id, status)] = NotificationRow(subject, claimed_at=self.now)
            return Claim(job_id, status, ClaimState.OWNED, token=self.now)
        if row.published_at is not None:
            return Claim(job_id, status, ClaimState.PUBLISHED, sns_message_id=row.sns_message_id)
        assert row.claimed_at is not None
        left = (row.claimed_at + self.lease - self.now).total_seconds()
        return Claim(job_id, status, ClaimState.IN_FLIGHT, lease_left_s=max(0.0, left))

    def confirm(self, claim: Claim, sns_message_id: str) -> None:
        if self.confirm_error is not None:
            raise self.confirm_error
        row = self.rows[(claim.job_id, claim.status)]
        if row.published_at is None:
            row.published_at, row.sns_message_id = self.now, sns_message_id

    def release(self, claim: Claim) -> None:
        row = self.rows[(claim.job_id, claim.status)]
        if row.published_at is None and row.claimed_at == claim.token:
            row.claimed_at = None


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


class BatchRecorder:
    """A `publish_batch` for BatchingPublisher: records each batch (its job ids) and answers through
    `send`, by default `fake-message-<job id>` for each. `hold()` keeps calls waiting until
    `release()`, so that publishes made meanwhile line up as the next batch, whatever the timing."""

    # A held call that long is a test that forgot to release it: fail rather than hang.
    HOLD_LIMIT_S = 30.0

    def __init__(self, send: PublishBatch | None = None) -> None:
        self.batches: list[list[str]] = []
        self.called = threading.Event()
        self._send = send or (lambda batch: [f"fake-message-{n.job_id}" for n in batch])
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def __call__(self, notifications: Sequence[Notification]) -> Sequence[str | Exception]:
        self.batches.append([n.job_id for n in notifications])
        self.called.set()
        if not self._open.wait(self.HOLD_LIMIT_S):
            raise TimeoutError(f"BatchRecorder held a call longer than {self.HOLD_LIMIT_S:g} s")
        return self._send(notifications)
