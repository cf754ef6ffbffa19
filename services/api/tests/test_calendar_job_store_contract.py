"""The CalendarJobStore contract, run against the in-memory fake and against PostgreSQL: a job holds
a snapshot of the selected todos, an idempotency key finds its job again, each new job's message is
queued in the outbox with it, and status and result read it back."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator

import psycopg2
import pytest

from taskoverflow_api.calendar_jobs.fakes import FakeCalendarJobStore
from taskoverflow_api.calendar_jobs.ports import CalendarJobStore
from taskoverflow_api.calendar_jobs.postgres import PostgresCalendarJobStore
from taskoverflow_api.todos.fakes import FakeTodoStore
from taskoverflow_api.todos.ports import TodoStore
from taskoverflow_api.todos.postgres import PostgresTodoStore
from taskoverflow_api.todos.selection import Selection
from taskoverflow_shared.db import Database
from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import GenerateCalendar, Message, from_dict
from taskoverflow_shared.outbox import MESSAGE_TYPES


@dataclasses.dataclass
class Kit:
    todos: TodoStore
    jobs: CalendarJobStore
    # What the calendar-worker does at the end: SUCCESS with the .ics.
    finish: Callable[[str, str], None]
    # The messages waiting in the outbox, oldest first.
    outbox: Callable[[], list[Message]]


def _finish_row(database_url: str) -> Callable[[str, str], None]:
    def finish(job_id: str, ics: str) -> None:
        conn = psycopg2.connect(database_url)
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE calendar_jobs SET status = 'SUCCESS', ics = %s, event_count = 0 WHERE id = %s", (ics, job_id)
            )
        conn.close()

    return finish


def _outbox_rows(database_url: str) -> Callable[[], list[Message]]:
    def outbox() -> list[Message]:
        conn = psycopg2.connect(database_url)
        with conn, conn.cursor() as cur:
            cur.execute("SELECT message_type, body FROM outbox ORDER BY id")
            rows = cur.fetchall()
        conn.close()
        return [from_dict(MESSAGE_TYPES[message_type], body) for message_type, body in rows]

    return outbox


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def kit(request: pytest.FixtureRequest) -> Iterator[Kit]:
    if request.param == "fake":
        todos = FakeTodoStore()
        jobs = FakeCalendarJobStore(todos)
        yield Kit(todos, jobs, lambda job_id, ics: jobs.finish(job_id, ics, 0), lambda: list(jobs.outbox))
        return
    url = request.getfixturevalue("clean_database")
    database = Database(url, max_connections=2)
    yield Kit(PostgresTodoStore(database), PostgresCalendarJobStore(database), _finish_row(url), _outbox_rows(url))
    database.close()


EVERYTHING = Selection()


def create(kit: Kit, selection: Selection = EVERYTHING, key: str | None = None):
    return kit.jobs.create(selection, idempotency_key=key, correlation_id="req-1")


def test_a_job_starts_pending_with_the_selected_todos_counted(kit: Kit) -> None:
    kit.todos.create({"title": "done", "completed": True})
    kit.todos.create({"title": "open"})

    job, created = create(kit, Selection(completed=True))

    assert created
    assert str(uuid.UUID(job.id)) == job.id
    assert (job.status, job.todo_count, job.event_count, job.finished_at, job.error) == (
        JobStatus.PENDING,
        1,
        None,
        None,
        None,
    )
    assert kit.jobs.status(job.id) == job


def test_an_empty_selection_is_a_job_of_no_todos(kit: Kit) -> None:
    job, _ = create(kit, Selection(window=0))

    assert job.todo_count == 0


def test_the_same_idempotency_key_finds_the_same_job(kit: Kit) -> None:
    first, first_created = create(kit, key="export-1")
    again, again_created = create(kit, key="export-1")
    other, _ = create(kit, key="export-2")

    assert (first_created, again_created) == (True, False)
    assert again == first and other.id != first.id


def test_each_new_job_queues_its_message_once_and_a_replayed_key_queues_none(kit: Kit) -> None:
    first, _ = create(kit, key="export-1")
    create(kit, key="export-1")
    second, _ = create(kit)

    assert kit.outbox() == [
        GenerateCalendar(job_id=first.id, correlation_id="req-1"),
        GenerateCalendar(job_id=second.id, correlation_id="req-1"),
    ]


def test_a_result_is_the_status_and_the_calendar_once_there_is_one(kit: Kit) -> None:
    job, _ = create(kit)

    assert kit.jobs.result(job.id) == (JobStatus.PENDING, None)
    kit.finish(job.id, "BEGIN:VCALENDAR")
    assert kit.jobs.result(job.id) == (JobStatus.SUCCESS, "BEGIN:VCALENDAR")


def test_a_missing_job_has_no_status_and_no_result(kit: Kit) -> None:
    missing = str(uuid.uuid4())

    assert kit.jobs.status(missing) is None
    assert kit.jobs.result(missing) is None


def test_delete_cancels_a_pending_job_forgets_a_finished_one_and_leaves_a_running_one(kit: Kit) -> None:
    pending, _ = create(kit)
    finished, _ = create(kit)
    kit.finish(finished.id, "BEGIN:VCALENDAR")

    assert kit.jobs.delete(pending.id) == (JobStatus.PENDING, True)
    assert kit.jobs.delete(finished.id) == (JobStatus.SUCCESS, True)
    assert kit.jobs.status(pending.id) is None and kit.jobs.status(finished.id) is None
    assert kit.jobs.delete(str(uuid.uuid4())) is None


def test_delete_leaves_a_job_the_worker_has_started(kit: Kit) -> None:
    job, _ = create(kit)
    if isinstance(kit.jobs, FakeCalendarJobStore):
        kit.jobs.jobs[job.id] = dataclasses.replace(kit.jobs.jobs[job.id], status=JobStatus.STARTED)
    else:
        conn = psycopg2.connect(kit.jobs.db.url)
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE calendar_jobs SET status = 'STARTED' WHERE id = %s", (job.id,))
        conn.close()

    assert kit.jobs.delete(job.id) == (JobStatus.STARTED, False)
    assert kit.jobs.status(job.id).status is JobStatus.STARTED
