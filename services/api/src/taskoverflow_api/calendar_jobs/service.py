"""Starting a calendar job: snapshot the todos into a new job, then send its message; if the queue
refuses, the job is discarded, so no job the client never heard of waits PENDING forever."""

from __future__ import annotations

import dataclasses

import structlog

from taskoverflow_shared.messages import GenerateCalendar

from ..todos.selection import Selection
from .ports import CalendarJob, CalendarJobStore, SendJob

log = structlog.get_logger(__name__)


class ExportUnavailable(Exception):
    """No job was started: calendar export is not configured here, or the job queue refused (503)."""


@dataclasses.dataclass(frozen=True)
class StartedJob:
    job: CalendarJob
    # False: an earlier job with the same Idempotency-Key, returned again.
    created: bool


def start_calendar_job(
    jobs: CalendarJobStore,
    send: SendJob | None,
    selection: Selection,
    *,
    idempotency_key: str | None,
    correlation_id: str | None,
) -> StartedJob:
    """Create (or, with a known idempotency key, find) the job and send it to the calendar-worker."""
    if send is None:
        raise ExportUnavailable("Calendar export is not configured on this server (no BROKER_URL)")
    job, created = jobs.create(selection, idempotency_key=idempotency_key, correlation_id=correlation_id)
    structlog.contextvars.bind_contextvars(job_id=job.id)
    if not created:
        return StartedJob(job, created=False)
    try:
        send(GenerateCalendar(job_id=job.id, correlation_id=correlation_id))
    except Exception as exc:
        log.error("job_enqueue_failed", error=f"{type(exc).__name__}: {exc}")
        jobs.discard(job.id)
        raise ExportUnavailable("The job queue is unavailable; no job was started, try again later") from exc
    log.info("calendar_job_started", todos=job.todo_count, selection=selection.as_dict())
    return StartedJob(job, created=True)
