"""An in-memory JobStore for unit tests; the contract tests hold it and PostgresJobStore to the same cases."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from taskoverflow_shared.job_status import JobStatus

from .ports import Job


@dataclasses.dataclass
class JobRow:
    status: JobStatus
    todos: list[dict[str, Any]]
    created_at: datetime
    event_count: int | None = None
    error: str | None = None
    announced: bool = False
    ics: str | None = None
    attempts: int = 0


class FakeJobStore:
    """JobStore's semantics in memory: only a job that has not finished moves."""

    def __init__(self) -> None:
        self.rows: dict[str, JobRow] = {}
        self.cancelled_ids: set[str] = set()

    def add(self, todos: list[dict[str, Any]], *, status: JobStatus = JobStatus.PENDING, **fields: Any) -> str:
        """A new job (a test's Given); returns its id."""
        job_id = str(uuid.uuid4())
        self.rows[job_id] = JobRow(
            status=JobStatus(status), todos=todos, created_at=datetime(2024, 5, 1, 12, 30), **fields
        )
        return job_id

    def start(self, job_id: str) -> Job | None:
        row = self.rows.get(job_id)
        if row is None:
            return None
        self._update(job_id, status=JobStatus.STARTED, attempts=row.attempts + 1)
        return Job(job_id, JobStatus(row.status), row.todos, row.created_at, row.event_count, row.error, row.announced)

    def cancelled(self, job_id: str) -> bool:
        return job_id in self.cancelled_ids

    def mark_retry(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, status=JobStatus.RETRY, error=reason)

    def mark_success(self, job_id: str, ics: str, event_count: int) -> bool:
        return self._update(job_id, status=JobStatus.SUCCESS, ics=ics, event_count=event_count, error=None)

    def mark_failure(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, status=JobStatus.FAILURE, error=reason)

    def mark_announced(self, job_id: str) -> None:
        if job_id in self.rows:
            self.rows[job_id].announced = True

    def _update(self, job_id: str, **changes: Any) -> bool:
        row = self.rows.get(job_id)
        if row is None or JobStatus(row.status).finished:
            return False
        for name, value in changes.items():
            setattr(row, name, value)
        return True
