"""The JobStore on PostgreSQL (the calendar_jobs table)."""

from __future__ import annotations

from typing import Any

from taskoverflow_shared.db import Database
from taskoverflow_shared.job_status import FINISHED, JobStatus

from .ports import Job

_NOW = "date_trunc('second', now() AT TIME ZONE 'UTC')"
# Statuses of a job that ended: psycopg2 renders the tuple as an SQL list.
_FINISHED = tuple(sorted(FINISHED))


class PostgresJobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, job_id: str) -> Job | None:
        # One statement: a job is one round trip fewer.
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "WITH started AS ("
                "  UPDATE calendar_jobs SET status = %(started)s, attempts = attempts + 1,"
                f"    started_at = coalesce(started_at, {_NOW})"
                "  WHERE id = %(id)s AND status NOT IN %(finished)s RETURNING id)"
                " SELECT id::text, CASE WHEN started.id IS NULL THEN status ELSE %(started)s END, todos, created_at,"
                "   event_count, error, announced_at IS NOT NULL"
                " FROM calendar_jobs LEFT JOIN started USING (id) WHERE id = %(id)s",
                {"id": job_id, "started": JobStatus.STARTED.value, "finished": _FINISHED},
            )
            row = cur.fetchone()
        if row is None:
            return None
        job_id, status, todos, created_at, event_count, error, announced = row
        return Job(job_id, JobStatus(status), todos, created_at, event_count, error, announced)

    def cancelled(self, job_id: str) -> bool:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM cancelled_calendar_jobs WHERE id = %s)", (job_id,))
            row = cur.fetchone()
        return bool(row and row[0])

    def mark_retry(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, "status = %s, error = %s", (JobStatus.RETRY.value, reason))

    def mark_success(self, job_id: str, ics: str, event_count: int) -> bool:
        return self._update(
            job_id,
            f"status = %s, ics = %s, event_count = %s, error = NULL, finished_at = {_NOW}",
            (JobStatus.SUCCESS.value, ics, event_count),
        )

    def mark_failure(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, f"status = %s, error = %s, finished_at = {_NOW}", (JobStatus.FAILURE.value, reason))

    def mark_announced(self, job_id: str) -> None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"UPDATE calendar_jobs SET announced_at = {_NOW} WHERE id = %s", (job_id,))

    def _update(self, job_id: str, assignments: str, params: tuple[Any, ...]) -> bool:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                f"UPDATE calendar_jobs SET {assignments} WHERE id = %s AND status NOT IN %s",
                (*params, job_id, _FINISHED),
            )
            return bool(cur.rowcount == 1)
