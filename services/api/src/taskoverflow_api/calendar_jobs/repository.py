"""calendar_jobs rows as the API sees them: create with a snapshot, read status and result."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg2.extras

from taskoverflow_shared.db import Database

from ..todos.repository import selection_sql
from .selection import Selection

IDEMPOTENCY_WINDOW = "24 hours"
_STATUS_COLUMNS = "id::text, status, created_at, finished_at, event_count, todo_count, error"


def _status(row: tuple) -> dict[str, Any]:
    keys = ("id", "status", "created_at", "finished_at", "event_count", "todo_count", "error")
    return dict(zip(keys, row, strict=True))


class CalendarJobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, selection: Selection, *, idempotency_key: str | None, correlation_id: str | None
    ) -> tuple[dict[str, Any], bool]:
        """A new PENDING job holding a snapshot of the selected todos, or (with an
        idempotency key seen in the last 24 h) that earlier job. Returns (job, created)."""
        where, params = selection_sql(selection.completed, selection.window)
        # The snapshot is made inside PostgreSQL: a 10,000-todo job never travels
        # through Python on the way in.
        insert = (
            "INSERT INTO calendar_jobs (id, todos, todo_count, selection, idempotency_key, correlation_id)"
            " SELECT %s, coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.id), '[]'::jsonb), count(*), %s, %s, %s"
            f" FROM todos t{where}"
            " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
            f" RETURNING {_STATUS_COLUMNS}"
        )
        insert_params = (
            str(uuid.uuid4()),
            psycopg2.extras.Json(selection.as_dict()),
            idempotency_key,
            correlation_id,
            *params,
        )
        if idempotency_key is None:
            # One statement, so no explicit transaction: one round trip.
            with self.db.connection() as conn, conn.cursor() as cur:
                cur.execute(insert, insert_params)
                return _status(cur.fetchone()), True

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
                return self._by_idempotency_key(cur, idempotency_key), False
            return _status(row), True

    @staticmethod
    def _by_idempotency_key(cur, key: str) -> dict[str, Any] | None:
        cur.execute(
            f"SELECT {_STATUS_COLUMNS} FROM calendar_jobs WHERE idempotency_key = %s"
            f" AND created_at > (now() AT TIME ZONE 'UTC') - interval '{IDEMPOTENCY_WINDOW}'",
            (key,),
        )
        row = cur.fetchone()
        return None if row is None else _status(row)

    def discard(self, job_id: str) -> None:
        """Forget a job whose message never reached the queue, so none waits PENDING forever."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM calendar_jobs WHERE id = %s AND status = 'PENDING'", (job_id,))

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT {_STATUS_COLUMNS} FROM calendar_jobs WHERE id = %s", (job_id,))
            row = cur.fetchone()
        return None if row is None else _status(row)

    def result(self, job_id: str) -> tuple[str, str | None] | None:
        """(status, ics) of a job, or None when there is no such job."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT status, ics FROM calendar_jobs WHERE id = %s", (job_id,))
            return cur.fetchone()
