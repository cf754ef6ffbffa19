"""The clean-up's sweep on a real PostgreSQL: an expired job keeps its row (the API answers 410) but
loses its calendar and snapshot; a job older than JOB_ROWS_KEPT_S goes; a recent one is untouched."""

from __future__ import annotations

import json
import uuid

import pytest

from taskoverflow_calendar_worker.housekeeping import Retention, sweep
from taskoverflow_devstack.services import sql
from taskoverflow_shared.db import Database

pytestmark = pytest.mark.integration

DAY_S = 86_400
SNAPSHOT = [{"id": 1, "title": "Pay rent", "deadline_at": "2026-12-01T09:00:00", "completed": False}]


def finished_job(database_url: str, *, days_ago: int) -> str:
    job_id = str(uuid.uuid4())
    sql(
        database_url,
        "INSERT INTO calendar_jobs (id, status, todos, todo_count, ics, event_count, finished_at)"
        " VALUES (%s, 'SUCCESS', %s, 1, 'BEGIN:VCALENDAR...', 1,"
        " (now() AT TIME ZONE 'UTC') - make_interval(days => %s))",
        (job_id, json.dumps(SNAPSHOT), days_ago),
    )
    return job_id


def test_a_sweep_empties_expired_results_and_deletes_old_rows(clean_database: str) -> None:
    # Given jobs that finished today, 8 days ago and 40 days ago (results kept 7 days, rows 30)
    recent, expired, old = (finished_job(clean_database, days_ago=days) for days in (0, 8, 40))
    db = Database(clean_database, max_connections=1)

    # When the clean-up sweeps, twice
    try:
        retention = Retention(result_expires_s=7 * DAY_S, job_rows_kept_s=30 * DAY_S, feed_window_rebuild_s=3_600)
        first, second = sweep(db, retention), sweep(db, retention)
    finally:
        db.close()

    # Then the expired job lost its calendar and snapshot, the old one is gone, the recent one intact
    rows = dict(sql(clean_database, "SELECT id::text, (ics IS NULL, todos::text = '[]') FROM calendar_jobs"))
    assert rows == {recent: "(f,f)", expired: "(t,t)"}
    assert old not in rows
    # (the old one is emptied first, then deleted)
    assert first is not None and (first.results_expired, first.jobs_deleted) == (2, 1)
    # And a second sweep finds nothing more to do
    assert second is not None and (second.results_expired, second.jobs_deleted) == (0, 0)
