"""One calendar job, start to end: the worker's logic, free of Dramatiq so it is tested with fakes."""

from __future__ import annotations

import time

import structlog

from taskoverflow_shared.infrastructure import is_outage
from taskoverflow_shared.job_status import FinalStatus, JobStatus, final
from taskoverflow_shared.messages import CalendarJobFinished, GenerateCalendar

from .calendar_builder import build_calendar
from .ports import Announce, JobStore

log = structlog.get_logger(__name__)


class JobNotFound(Exception):
    """A message names a job that does not exist and was not cancelled: nothing to build, and
    retrying will not make the row appear. The actor declares it in `throws`, so the message is
    dead-lettered for a look."""


class CalendarJobHandler:
    def __init__(self, store: JobStore, announce: Announce, *, base_url: str) -> None:
        self.store = store
        self.announce = announce
        self.base_url = base_url

    def handle(self, message: GenerateCalendar, *, last_attempt: bool) -> None:
        """Build the job's calendar. Raises to ask for a retry, except on the last attempt,
        where the job ends FAILURE with the reason instead."""
        job = self.store.start(message.job_id)
        if job is None:
            if self.store.cancelled(message.job_id):
                # Its client cancelled it (DELETE before it started) after its message went out: the
                # skip the API promised. Nothing to build, nobody to tell.
                log.info("job_cancelled_skipped")
                return
            log.error("job_not_found")
            raise JobNotFound(f"no calendar job {message.job_id}")
        if job.finished:
            # A redelivery (SQS is at-least-once): do not rebuild, only finish announcing.
            log.info("job_already_finished", status=job.status)
            self._announce_once(
                job.id, final(job.status), job.event_count, job.error, message.correlation_id, job.announced
            )
            return

        try:
            started = time.perf_counter()
            built = build_calendar(job.todos, base_url=self.base_url, stamp=job.created_at)
            stored = self.store.mark_success(job.id, built.ics, built.event_count)
        except Exception as exc:
            if is_outage(exc):
                # The database is away: not the job's fault, so none of its retries is spent
                # (OutageRetries sends the message again once it backs off).
                raise
            self.record_failure(message, exc, last_attempt=last_attempt)
            if not last_attempt:
                raise
            return
        log.info(
            "calendar_built",
            events=built.event_count,
            without_deadline=built.skipped_without_deadline,
            build_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        if stored:
            self._announce_once(job.id, JobStatus.SUCCESS, built.event_count, None, message.correlation_id, False)

    def fail_undecodable(self, job_id: str, reason: str) -> None:
        """A message for this job could not be read: the job ends FAILURE rather than hang PENDING."""
        if self.store.mark_failure(job_id, f"message could not be decoded: {reason}"):
            self._announce_once(job_id, JobStatus.FAILURE, None, reason, None, False)

    def record_failure(self, message: GenerateCalendar, exc: BaseException, *, last_attempt: bool) -> None:
        """RETRY while attempts remain (the caller re-raises); FAILURE, announced, after the last."""
        reason = f"{type(exc).__name__}: {exc}"[:500]
        if not last_attempt:
            log.warning("calendar_build_failed_will_retry", error=reason)
            self.store.mark_retry(message.job_id, reason)
            return
        log.error("calendar_build_failed", error=reason)
        if self.store.mark_failure(message.job_id, reason):
            self._announce_once(message.job_id, JobStatus.FAILURE, None, reason, message.correlation_id, False)

    def _announce_once(
        self,
        job_id: str,
        status: FinalStatus,
        event_count: int | None,
        error: str | None,
        correlation_id: str | None,
        already: bool,
    ) -> None:
        if already:
            return
        self.announce(
            CalendarJobFinished(
                job_id=job_id, status=status, event_count=event_count, error=error, correlation_id=correlation_id
            )
        )
        self.store.mark_announced(job_id)
        log.info("job_finished_announced", status=status)
