"""The JobStore contract, run against the in-memory fake and against PostgreSQL: what the handler's
unit tests assume of the fake is what the real table does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import psycopg2
import pytest

from taskoverflow_calendar_worker.fakes import FakeJobStore
from taskoverflow_calendar_worker.ports import JobStore
from taskoverflow_calendar_worker.postgres import PostgresJobStore
from taskoverflow_shared.db import Database
from taskoverflow_shared.job_status import JobStatus

TODOS = [{"id": 1, "title": "Pay rent", "deadline_at": "2026-12-01T09:00:00", "completed": False}]
# Add a job in a given status (a test's Given): the fake and the table each have their own way.
AddJob = Callable[..., str]


def _postgres_add(database_url: str) -> AddJob:
    def add(todos: list[dict[str, Any]], *, status: JobStatus = JobStatus.PENDING, announced: bool = False) -> str:
        job_id = str(uuid.uuid4())
        conn = psycopg2.connect(database_url)
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO calendar_jobs (id, status, todos, todo_count, announced_at)"
                " VALUES (%s, %s, %s, %s, CASE WHEN %s THEN now() END)",
                (job_id, status.value, json.dumps(todos), len(todos), announced),
            )
        conn.close()
        return job_id

    return add


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def kit(request: pytest.FixtureRequest) -> Iterator[tuple[JobStore, AddJob]]:
    if request.param == "fake":
        fake = FakeJobStore()
        yield fake, fake.add
        return
    database_url = request.getfixturevalue("clean_database")
    database = Database(database_url, max_connections=2)
    yield PostgresJobStore(database), _postgres_add(database_url)
    database.close()


def test_starting_a_pending_job_marks_it_started_and_returns_its_snapshot(kit) -> None:
    store, add = kit
    job_id = add(TODOS)

    job = store.start(job_id)

    assert job is not None
    assert (job.id, job.status, job.todos, job.finished, job.announced) == (
        job_id,
        JobStatus.STARTED,
        TODOS,
        False,
        False,
    )
    assert isinstance(job.created_at, datetime)


def test_starting_a_missing_job_finds_nothing(kit) -> None:
    store, _ = kit

    assert store.start(str(uuid.uuid4())) is None


@pytest.mark.parametrize("status", [JobStatus.SUCCESS, JobStatus.FAILURE])
def test_a_finished_job_is_returned_as_it_is_and_never_moves(kit, status: JobStatus) -> None:
    store, add = kit
    job_id = add(TODOS, status=status, announced=True)

    job = store.start(job_id)

    assert job is not None and (job.status, job.finished, job.announced) == (status, True, True)
    assert not store.mark_retry(job_id, "again")
    assert not store.mark_success(job_id, "BEGIN:VCALENDAR", 1)
    assert not store.mark_failure(job_id, "again")
    assert store.start(job_id).status is status


def test_a_retried_job_starts_again(kit) -> None:
    store, add = kit
    job_id = add(TODOS)
    store.start(job_id)

    assert store.mark_retry(job_id, "ValueError: bad")
    assert store.start(job_id).status is JobStatus.STARTED


def test_success_is_final_and_the_first_delivery_to_finish_wins(kit) -> None:
    store, add = kit
    job_id = add(TODOS)
    store.start(job_id)

    assert store.mark_success(job_id, "BEGIN:VCALENDAR", 1)
    assert not store.mark_success(job_id, "ANOTHER", 2)
    assert not store.mark_failure(job_id, "late")
    assert store.start(job_id).status is JobStatus.SUCCESS


def test_failure_is_final(kit) -> None:
    store, add = kit
    job_id = add(TODOS)

    assert store.mark_failure(job_id, "ValueError: bad")
    job = store.start(job_id)
    assert (job.status, job.error) == (JobStatus.FAILURE, "ValueError: bad")


def test_an_announcement_is_remembered(kit) -> None:
    store, add = kit
    job_id = add(TODOS)
    store.start(job_id)
    store.mark_success(job_id, "BEGIN:VCALENDAR", 1)

    store.mark_announced(job_id)

    job = store.start(job_id)
    assert (job.announced, job.event_count) == (True, 1)


def test_marking_a_missing_job_moves_nothing(kit) -> None:
    store, _ = kit
    missing = str(uuid.uuid4())

    assert not store.mark_retry(missing, "x")
    assert not store.mark_success(missing, "x", 0)
    assert not store.mark_failure(missing, "x")
    store.mark_announced(missing)
    assert store.start(missing) is None
