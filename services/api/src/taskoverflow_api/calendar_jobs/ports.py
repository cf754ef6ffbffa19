"""What the calendar-job endpoints need from the outside world: the job store (which also queues the
job's message, in the same transaction) and a way to hurry the relay that sends it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from taskoverflow_shared.job_status import JobStatus

from ..todos.selection import Selection


@dataclasses.dataclass(frozen=True)
class CalendarJob:
    """A job as its status endpoint shows it."""

    id: str
    status: JobStatus
    created_at: datetime
    finished_at: datetime | None
    event_count: int | None
    todo_count: int
    error: str | None


class CalendarJobStore(Protocol):
    def create(
        self, selection: Selection, *, idempotency_key: str | None, correlation_id: str | None
    ) -> tuple[CalendarJob, bool]:
        """A new PENDING job holding a snapshot of the selected todos, its GenerateCalendar queued in
        the outbox in the same transaction; or (with an idempotency key seen in the last 24 h) that
        earlier job. Returns (job, created)."""
        ...

    def status(self, job_id: str) -> CalendarJob | None: ...

    def result(self, job_id: str) -> tuple[JobStatus, str | None] | None:
        """(status, ics) of a job, or None when there is no such job."""
        ...

    def delete(self, job_id: str) -> tuple[JobStatus, bool] | None:
        """Cancel a job that has not started, or forget one that finished: (its status, True).
        A job running (STARTED, RETRY) stays: (its status, False). None when there is no such job."""
        ...


# Asks the outbox relay to send what was just queued now rather than at its next poll.
WakeRelay = Callable[[], None]
