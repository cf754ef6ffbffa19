"""The CalendarJobStore on PostgreSQL: create a job with a snapshot made in SQL and its message in the
outbox (one transaction), read status and result."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from taskoverflow_shared.db import Database
from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import GenerateCalendar
from taskoverflow_shared.outbox import outbox_insert_per_row

from ..todos.postgres import selection_sql
from ..todos.selection import Selection
from .ports import CalendarJob

IDEMPOTENCY_WINDOW = "24 hours"
_STATUS_COLUMNS = "id::text, status, created_at, finished_at, event_count, todo_count, error"


def _job(row: tuple[Any, ...]) -> CalendarJob:
    job_id, status, created_at, finished_at, event_count, todo_count, error = row
    return CalendarJob(job_id, JobStatus(status), created_at, finished_at, event_count, todo_count, error)


class PostgresCalendarJobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, selection: Selection, *, idempotency_key: str | None, correlation_id: str | None
    ) -> tuple[CalendarJob, bool]:
        job_id = str(uuid.uuid4())
        where, params = selection_sql(selection)
        queue, queue_params = outbox_insert_per_row(
            "job", GenerateCalendar(job_id=job_id, correlation_id=correlation_id)
        )
        # One statement writes the job and its message: they commit together, or neither does (no job
        # waits for a message that was never going to be sent, no message names a job that does not
        # exist). The snapshot is made inside PostgreSQL: a 10,000-todo job never travels through
        # Python on the way in.
        insert = (
            "WITH job AS ("
            " INSERT INTO calendar_jobs (id, todos, todo_count, selection, idempotency_key, correlation_id)"
            " SELECT %s, coalesce(json_agg(t ORDER BY t.id), '[]'::json), count(*), %s, %s, %s"
            f" FROM todos t{where}"
            " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
            f" RETURNING {_STATUS_COLUMNS}),"
            f" queued AS ({queue})"
            " SELECT * FROM job"
        )
        insert_params = (
            job_id,
            psycopg2.extras.Json(selection.as_dict()),
            idempotency_key,
            correlation_id,
            *params,
            *queue_params,
        )
        if idempotency_key is None:
            # Autocommit: the one statement is the transaction, so no BEGIN or COMMIT round trips.
            with self.db.connection() as conn, conn.cursor() as cur:
                cur.execute(insert, insert_params)
                row = cur.fetchone()
            assert row is not None  # without a key, INSERT ... SELECT of an aggregate yields one row
            return _job(row), True
        with self.db.transaction() as conn, conn.cursor() as cur:
            earlier = self._by_idempotency_key(cur, idempotency_key)
            if earlier is not None:
                return earlier, False
            # A key older than the window is free again.
            cur.execute(
                "UPDATE calendar_jobs SET idempotency_key = NULL WHERE idempotency_key = %s", (idempotency_key,)
            )
            cur.execute(insert, insert_params)
            row = cur.fetchone()
            if row is None:  # a concurrent request with the same key won the race
                winner = self._by_idempotency_key(cur, idempotency_key)
                assert winner is not None
                return winner, False
            return _job(row), True

    @staticmethod
    def _by_idempotency_key(cur: psycopg2.extensions.cursor, key: str) -> CalendarJob | None:
        cur.execute(
            f"SELECT {_STATUS_COLUMNS} FROM calendar_jobs WHERE idempotency_key = %s"
            f" AND created_at > (now() AT TIME ZONE 'UTC') - interval '{IDEMPOTENCY_WINDOW}'",
            (key,),
        )
        row = cur.fetchone()
        return None if row is None else _job(row)

    def status(self, job_id: str) -> CalendarJob | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT {_STATUS_COLUMNS} FROM calendar_jobs WHERE id = %s", (job_id,))
            row = cur.fetchone()
        return None if row is None else _job(row)

    def delete(self, job_id: str) -> tuple[JobStatus, bool] | None:
        # The row lock orders this against the worker's start: either the worker finds no job
        # (and skips it) or this finds it STARTED (and leaves it).
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "WITH job AS (SELECT id, status FROM calendar_jobs WHERE id = %s FOR UPDATE),"
                " gone AS (DELETE FROM calendar_jobs c USING job"
                "   WHERE c.id = job.id AND job.status NOT IN %s RETURNING c.id),"
                # Cancelled before it started: its message may be queued already; the worker skips it.
                " tombstone AS (INSERT INTO cancelled_calendar_jobs (id)"
                "   SELECT gone.id FROM gone JOIN job USING (id) WHERE job.status = %s"
                "   ON CONFLICT DO NOTHING)"
                " SELECT job.status, gone.id IS NOT NULL FROM job LEFT JOIN gone USING (id)",
                (job_id, (JobStatus.STARTED.value, JobStatus.RETRY.value), JobStatus.PENDING.value),
            )
            row = cur.fetchone()
        return None if row is None else (JobStatus(row[0]), bool(row[1]))

    def result(self, job_id: str) -> tuple[JobStatus, str | None] | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT status, ics FROM calendar_jobs WHERE id = %s", (job_id,))
            row = cur.fetchone()
        return None if row is None else (JobStatus(row[0]), row[1])
