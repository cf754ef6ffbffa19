"""Fakes for the calendar-worker's unit tests: an in-memory job store and a recording announcer."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import pytest

from taskoverflow_calendar_worker.handler import CalendarJobHandler
from taskoverflow_calendar_worker.job_store import Job
from taskoverflow_shared.messages import CalendarJobFinished

BASE_URL = "https://todos.example"
FINAL = ("SUCCESS", "FAILURE")


@dataclasses.dataclass
class JobRow:
    status: str
    todos: list[dict[str, Any]]
    created_at: datetime
    event_count: int | None = None
    error: str | None = None
    announced: bool = False
    ics: str | None = None
    attempts: int = 0


class FakeJobStore:
    """JobStore's methods and semantics in memory: only a job that has not ended moves."""

    def __init__(self) -> None:
        self.rows: dict[str, JobRow] = {}

    def add(self, todos: list[dict[str, Any]], *, status: str = "PENDING", **fields: Any) -> str:
        job_id = str(uuid.uuid4())
        self.rows[job_id] = JobRow(status=status, todos=todos, created_at=datetime(2024, 5, 1, 12, 30), **fields)
        return job_id

    def start(self, job_id: str) -> Job | None:
        """STARTED, one more attempt, and the job; a job that already ended comes back as it is."""
        row = self.rows.get(job_id)
        if row is None:
            return None
        self._update(job_id, status="STARTED", attempts=row.attempts + 1)
        return Job(job_id, row.status, row.todos, row.created_at, row.event_count, row.error, row.announced)

    def mark_retry(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, status="RETRY", error=reason)

    def mark_success(self, job_id: str, ics: str, event_count: int) -> bool:
        return self._update(job_id, status="SUCCESS", ics=ics, event_count=event_count, error=None)

    def mark_failure(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, status="FAILURE", error=reason)

    def mark_announced(self, job_id: str) -> None:
        if job_id in self.rows:
            self.rows[job_id].announced = True

    def _update(self, job_id: str, **changes: Any) -> bool:
        row = self.rows.get(job_id)
        if row is None or row.status in FINAL:
            return False
        for name, value in changes.items():
            setattr(row, name, value)
        return True


@pytest.fixture
def store() -> FakeJobStore:
    return FakeJobStore()


@pytest.fixture
def announced() -> list[CalendarJobFinished]:
    return []


@pytest.fixture
def handler(store: FakeJobStore, announced: list[CalendarJobFinished]) -> CalendarJobHandler:
    return CalendarJobHandler(store, announced.append, base_url=BASE_URL)
