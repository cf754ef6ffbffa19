"""An in-memory CalendarJobStore for unit tests, snapshotting a FakeTodoStore and keeping its outbox as
a list; the contract tests hold it and PostgresCalendarJobStore to the same cases."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import GenerateCalendar, Message

from ..timestamps import utc_now
from ..todos.fakes import FakeTodoStore
from ..todos.selection import Selection
from .ports import CalendarJob


def _as_json(todo: dict[str, Any]) -> dict[str, Any]:
    # What PostgreSQL's json_agg makes of a row: timestamps as ISO 8601 text.
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in todo.items()}


class FakeCalendarJobStore:
    def __init__(self, todos: FakeTodoStore) -> None:
        self.todos = todos
        self.jobs: dict[str, CalendarJob] = {}
        self.snapshots: dict[str, list[dict[str, Any]]] = {}
        self.ics: dict[str, str | None] = {}
        self._keys: dict[str, str] = {}
        # What PostgresCalendarJobStore writes to the outbox table.
        self.outbox: list[Message] = []

    def create(
        self, selection: Selection, *, idempotency_key: str | None, correlation_id: str | None
    ) -> tuple[CalendarJob, bool]:
        if idempotency_key is not None and idempotency_key in self._keys:
            return self.jobs[self._keys[idempotency_key]], False
        snapshot = [_as_json(todo) for todo in self.todos.list(selection)]
        job = CalendarJob(str(uuid.uuid4()), JobStatus.PENDING, utc_now(), None, None, len(snapshot), None)
        self.jobs[job.id], self.snapshots[job.id], self.ics[job.id] = job, snapshot, None
        if idempotency_key is not None:
            self._keys[idempotency_key] = job.id
        self.outbox.append(GenerateCalendar(job_id=job.id, correlation_id=correlation_id))
        return job, True

    def status(self, job_id: str) -> CalendarJob | None:
        return self.jobs.get(job_id)

    def result(self, job_id: str) -> tuple[JobStatus, str | None] | None:
        job = self.jobs.get(job_id)
        return None if job is None else (job.status, self.ics[job_id])

    def delete(self, job_id: str) -> tuple[JobStatus, bool] | None:
        job = self.jobs.get(job_id)
        if job is None:
            return None
        if job.status in (JobStatus.STARTED, JobStatus.RETRY):
            return job.status, False
        del self.jobs[job_id], self.snapshots[job_id], self.ics[job_id]
        self._keys = {key: kept for key, kept in self._keys.items() if kept != job_id}
        return job.status, True

    def finish(self, job_id: str, ics: str, event_count: int) -> None:
        """What the calendar-worker would do: the job ends SUCCESS with its calendar (a test's Given)."""
        self.jobs[job_id] = dataclasses.replace(
            self.jobs[job_id], status=JobStatus.SUCCESS, finished_at=utc_now(), event_count=event_count
        )
        self.ics[job_id] = ics


class FakeRelay:
    """Counts how often the relay was woken."""

    def __init__(self) -> None:
        self.woken = 0

    def __call__(self) -> None:
        self.woken += 1
