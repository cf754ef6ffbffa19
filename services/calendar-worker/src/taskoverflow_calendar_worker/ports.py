"""What the calendar-worker needs from the outside world: the job store and a way to announce a job's end."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import CalendarJobFinished


@dataclasses.dataclass(frozen=True)
class Job:
    """A calendar job as the worker sees it: the todos snapshotted when it was asked for."""

    id: str
    status: JobStatus
    todos: list[dict[str, Any]]
    created_at: datetime
    event_count: int | None
    error: str | None
    announced: bool

    @property
    def finished(self) -> bool:
        return self.status.finished


class JobStore(Protocol):
    """The calendar_jobs rows. Only a job that has not finished moves: SQS may deliver a message
    twice, and a finished job must stay exactly as it finished (the mark_* methods say whether it moved)."""

    def start(self, job_id: str) -> Job | None:
        """Mark the job STARTED (one more attempt) and return it; a finished job comes back as it is;
        None when there is no such job."""
        ...

    def cancelled(self, job_id: str) -> bool:
        """Whether the job was cancelled (deleted before it started): its message is to be skipped."""
        ...

    def mark_retry(self, job_id: str, reason: str) -> bool: ...

    def mark_success(self, job_id: str, ics: str, event_count: int) -> bool:
        """SUCCESS with the .ics; False if another delivery of the same job got there first."""
        ...

    def mark_failure(self, job_id: str, reason: str) -> bool: ...

    def mark_announced(self, job_id: str) -> None:
        """Record that the job's end was announced, so a redelivery does not announce it again."""
        ...


# Sends CalendarJobFinished to the notifier (the broker in production; a list in tests).
Announce = Callable[[CalendarJobFinished], None]
