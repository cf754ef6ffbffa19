"""The calendar_jobs rows as the worker sees them: load a snapshot, move the status, store the result."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from taskoverflow_shared.db import Database

_NOT_FINAL = "status NOT IN ('SUCCESS', 'FAILURE')"
_NOW = "date_trunc('second', now() AT TIME ZONE 'UTC')"


@dataclasses.dataclass(frozen=True)
class Job:
    id: str
    status: str
    todos: list[dict[str, Any]]
    created_at: datetime
    event_count: int | None
    error: str | None
    announced: bool

    @property
    def finished(self) -> bool:
        return self.status in ("SUCCESS", "FAILURE")


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, job_id: str) -> Job | None:
        """Mark the job STARTED (one more attempt) and return it; a job that already ended is
        returned as it is. One statement: a job is one round trip fewer."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "WITH started AS ("
                f"  UPDATE calendar_jobs SET status = 'STARTED', attempts = attempts + 1,"
                f"    started_at = coalesce(started_at, {_NOW})"
                f"  WHERE id = %s AND {_NOT_FINAL} RETURNING id)"
                " SELECT id::text, CASE WHEN started.id IS NULL THEN status ELSE 'STARTED' END, todos, created_at,"
                "   event_count, error, announced_at IS NOT NULL"
                " FROM calendar_jobs LEFT JOIN started USING (id) WHERE id = %s",
                (job_id, job_id),
            )
            row = cur.fetchone()
        return None if row is None else Job(*row)

    def mark_retry(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, "status = 'RETRY', error = %s", (reason,))

    def mark_success(self, job_id: str, ics: str, event_count: int) -> bool:
        """SUCCESS with the .ics; False if another delivery of the same job got there first."""
        return self._update(
            job_id,
            f"status = 'SUCCESS', ics = %s, event_count = %s, error = NULL, finished_at = {_NOW}",
            (ics, event_count),
        )

    def mark_failure(self, job_id: str, reason: str) -> bool:
        return self._update(job_id, f"status = 'FAILURE', error = %s, finished_at = {_NOW}", (reason,))

    def mark_announced(self, job_id: str) -> None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"UPDATE calendar_jobs SET announced_at = {_NOW} WHERE id = %s", (job_id,))

    def _update(self, job_id: str, assignments: str, params: tuple) -> bool:
        # Only a job that has not ended moves: SQS may deliver a message twice, and
        # a finished job must stay exactly as it finished.
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                f"UPDATE calendar_jobs SET {assignments} WHERE id = %s AND {_NOT_FINAL}",
                (*params, job_id),
            )
            return cur.rowcount == 1
