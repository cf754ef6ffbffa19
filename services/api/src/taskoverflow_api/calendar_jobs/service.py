"""Starting a calendar job: snapshot the todos into a new job whose message goes into the outbox in
the same transaction, then wake the relay. The answer does not wait for the broker: a job accepted
while the broker is away or hung is sent once it is back (the relay retries)."""

from __future__ import annotations

import dataclasses

import structlog

from ..todos.selection import Selection
from .ports import CalendarJob, CalendarJobStore, WakeRelay

log = structlog.get_logger(__name__)


class ExportUnavailable(Exception):
    """No job was started: calendar export is not configured here (no broker; 503)."""


@dataclasses.dataclass(frozen=True)
class StartedJob:
    job: CalendarJob
    # False: an earlier job with the same Idempotency-Key, returned again.
    created: bool


def start_calendar_job(
    jobs: CalendarJobStore,
    wake_relay: WakeRelay | None,
    selection: Selection,
    *,
    idempotency_key: str | None,
    correlation_id: str | None,
) -> StartedJob:
    """Create (or, with a known idempotency key, find) the job, its message queued for the calendar-worker."""
    if wake_relay is None:
        raise ExportUnavailable("Calendar export is not configured on this server (no BROKER_URL)")
    job, created = jobs.create(selection, idempotency_key=idempotency_key, correlation_id=correlation_id)
    structlog.contextvars.bind_contextvars(job_id=job.id)
    if not created:
        return StartedJob(job, created=False)
    wake_relay()
    log.info("calendar_job_started", todos=job.todo_count, selection=selection.as_dict())
    return StartedJob(job, created=True)
