"""Reconciliation: what keeps the guarantee when a message or a worker was lost. Each round, on
PostgreSQL, in one transaction per kind of job, each job locked with FOR UPDATE SKIP LOCKED so that
several API processes and replicas never act on one job twice:

- a job PENDING/STARTED/RETRY whose message went out longer ago than `resend_after_s` gets its
  GenerateCalendar again (through the outbox; the worker is idempotent);
- a job still not finished `deadline_s` after it was asked for ends FAILURE with the reason, and
  its CalendarJobFinished goes into the outbox in the same transaction: announced once;
- a finished job whose end the notifier has not recorded publishing (the worker lost the broker just
  then, or the broker lost the message) is announced again.
"""

from __future__ import annotations

import dataclasses
from typing import Self

import structlog
from pydantic import Field, model_validator

from taskoverflow_shared.db import Database
from taskoverflow_shared.job_status import JobStatus, final
from taskoverflow_shared.messages import CalendarJobFinished, GenerateCalendar
from taskoverflow_shared.outbox import add_to_outbox
from taskoverflow_shared.settings import ConfigError, EnvironmentSettings

log = structlog.get_logger(__name__)

_UNFINISHED = (JobStatus.PENDING.value, JobStatus.STARTED.value, JobStatus.RETRY.value)
_FINISHED = (JobStatus.SUCCESS.value, JobStatus.FAILURE.value)
_NOW_UTC = "(now() AT TIME ZONE 'UTC')"
# How far back a finished job's missing notification is looked for.
_ANNOUNCE_WINDOW = "1 day"


class ReconcileSettings(EnvironmentSettings):
    """How often reconciliation runs, when a job is re-sent, and when it is given up."""

    interval_s: float = Field(30, ge=0.1, le=3_600, validation_alias="RECONCILE_INTERVAL_S")
    # Above the worker's time limit (120 s) and the SQS visibility timeout (300 s): a job still being
    # built, or a message a killed worker held, is not sent again before its own redelivery.
    resend_after_s: float = Field(330, ge=0.1, validation_alias="RECONCILE_RESEND_AFTER_S")
    # The guarantee's bound: a job not finished this long after it was asked for ends FAILURE.
    deadline_s: float = Field(1_800, ge=1, validation_alias="JOB_DEADLINE_S")
    # A finished job the notifier has not published this long after it finished (or after the last
    # announcement) is announced again by the reconciler.
    announce_after_s: float = Field(60, ge=0.1, validation_alias="RECONCILE_ANNOUNCE_AFTER_S")
    batch_size: int = Field(500, ge=1, le=10_000, validation_alias="RECONCILE_BATCH_SIZE")

    @model_validator(mode="after")
    def _resend_before_the_deadline(self) -> Self:
        if self.resend_after_s >= self.deadline_s:
            raise ConfigError("RECONCILE_RESEND_AFTER_S", f"must be below JOB_DEADLINE_S ({self.deadline_s} s)")
        return self


@dataclasses.dataclass(frozen=True)
class Reconciled:
    resent: int
    failed: int
    announced: int

    def __bool__(self) -> bool:
        return bool(self.resent or self.failed or self.announced)


class Reconciler:
    def __init__(self, db: Database, settings: ReconcileSettings) -> None:
        self.db = db
        self.settings = settings

    def reconcile_once(self) -> Reconciled:
        """One round; returns what it did (and logs it when it did anything)."""
        # Overdue jobs first: a job past its deadline is ended, not sent again.
        failed = self._fail_overdue()
        done = Reconciled(resent=self._resend_stale(), failed=failed, announced=self._announce_unannounced())
        if done:
            log.warning("jobs_reconciled", resent=done.resent, failed=done.failed, announced=done.announced)
        return done

    def _fail_overdue(self) -> int:
        reason = f"not finished within {self.settings.deadline_s:g} s (ended by reconciliation)"
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE calendar_jobs SET status = %s, finished_at = date_trunc('second', now() AT TIME ZONE 'UTC'),"
                "  error = %s || coalesce('; last error: ' || error, ''),"
                "  announced_at = date_trunc('second', now() AT TIME ZONE 'UTC')"
                " WHERE id IN (SELECT id FROM calendar_jobs WHERE status IN %s"
                f"   AND created_at < {_NOW_UTC} - make_interval(secs => %s)"
                "   ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED)"
                # Again outside: a row another reconciler just ended passes the locked subquery's
                # snapshot, and only this condition is re-checked on its newest version.
                "  AND status IN %s"
                " RETURNING id::text, error, correlation_id",
                (
                    JobStatus.FAILURE.value,
                    reason,
                    _UNFINISHED,
                    self.settings.deadline_s,
                    self.settings.batch_size,
                    _UNFINISHED,
                ),
            )
            ended = cur.fetchall()
            for job_id, error, correlation_id in ended:
                add_to_outbox(
                    cur,
                    CalendarJobFinished(
                        job_id=job_id, status=JobStatus.FAILURE, error=error, correlation_id=correlation_id
                    ),
                )
                log.error("job_failed_by_deadline", job_id=job_id, error=error)
            return len(ended)

    def _resend_stale(self) -> int:
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE calendar_jobs SET dispatched_at = now()"
                " WHERE id IN (SELECT id FROM calendar_jobs WHERE status IN %s"
                "   AND dispatched_at < now() - make_interval(secs => %s)"
                "   ORDER BY dispatched_at LIMIT %s FOR UPDATE SKIP LOCKED)"
                "  AND status IN %s AND dispatched_at < now() - make_interval(secs => %s)"
                # A job past its deadline is ended (by the next batch), not sent again.
                f"  AND created_at >= {_NOW_UTC} - make_interval(secs => %s)"
                " RETURNING id::text, status, correlation_id",
                (
                    _UNFINISHED,
                    self.settings.resend_after_s,
                    self.settings.batch_size,
                    _UNFINISHED,
                    self.settings.resend_after_s,
                    self.settings.deadline_s,
                ),
            )
            rows = cur.fetchall()
            for job_id, status, correlation_id in rows:
                add_to_outbox(cur, GenerateCalendar(job_id=job_id, correlation_id=correlation_id))
                log.warning("job_resent", job_id=job_id, status=status)
            return len(rows)

    def _announce_unannounced(self) -> int:
        # "Announced" is proven by the notifier's record of the publish, not by the worker's having
        # sent the message: a broker can lose what it accepted (Redis killed within its AOF second).
        # announced_at is the last time an announcement went out, so each job is sent again at most
        # once per announce_after_s; the notifier's claim keeps a duplicate from publishing twice.
        unpublished = (
            f"status IN %(finished)s AND finished_at < {_NOW_UTC} - make_interval(secs => %(after)s)"
            f" AND finished_at > {_NOW_UTC} - interval '{_ANNOUNCE_WINDOW}'"
            f" AND (announced_at IS NULL OR announced_at < {_NOW_UTC} - make_interval(secs => %(after)s))"
            " AND NOT EXISTS (SELECT 1 FROM notifications n"
            "   WHERE n.job_id = calendar_jobs.id AND n.status = calendar_jobs.status AND n.published_at IS NOT NULL)"
        )
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE calendar_jobs SET announced_at = date_trunc('second', now() AT TIME ZONE 'UTC')"
                f" WHERE id IN (SELECT id FROM calendar_jobs WHERE {unpublished}"
                "   ORDER BY finished_at LIMIT %(batch)s FOR UPDATE SKIP LOCKED)"
                f"  AND {unpublished}"
                " RETURNING id::text, status, event_count, error, correlation_id",
                {"finished": _FINISHED, "after": self.settings.announce_after_s, "batch": self.settings.batch_size},
            )
            rows = cur.fetchall()
            for job_id, status, event_count, error, correlation_id in rows:
                add_to_outbox(
                    cur,
                    CalendarJobFinished(
                        job_id=job_id,
                        status=final(JobStatus(status)),
                        event_count=event_count,
                        error=error,
                        correlation_id=correlation_id,
                    ),
                )
                log.warning("job_end_announced_by_reconciliation", job_id=job_id, status=status)
            return len(rows)
