"""One calendar job's lifecycle with an in-memory store: build, store, announce once; retry or fail."""

from __future__ import annotations

import uuid

import psycopg2
import pytest

from taskoverflow_calendar_worker.calendar_builder import build_calendar
from taskoverflow_calendar_worker.handler import JobNotFound
from taskoverflow_shared.messages import CalendarJobFinished, GenerateCalendar

TODOS = [
    {
        "id": 1,
        "title": "Pay rent",
        "description": "Landlord, Bob",
        "completed": False,
        "deadline_at": "2024-06-01T09:00:00",
        "created_at": "2024-04-01T08:00:00",
        "updated_at": "2024-04-01T08:00:00",
    },
    {
        "id": 2,
        "title": "Ship it 🚀",
        "description": None,
        "completed": True,
        "deadline_at": "2024-06-02T09:00:00",
        "created_at": "2024-04-01T08:00:00",
        "updated_at": "2024-04-03T08:00:00",
    },
    {
        "id": 3,
        "title": "Someday",
        "description": None,
        "completed": False,
        "deadline_at": None,
        "created_at": "2024-04-01T08:00:00",
        "updated_at": "2024-04-01T08:00:00",
    },
]
# The builder raises on this snapshot: the failure path runs for real, without monkeypatching.
BROKEN_TODOS = [{**TODOS[0], "deadline_at": "not a date"}]


def generate(job_id: str, correlation_id: str | None = "req-42") -> GenerateCalendar:
    return GenerateCalendar(job_id=job_id, correlation_id=correlation_id)


def test_success_stores_the_calendar_and_announces_once(store, announced, handler):
    job_id = store.add(TODOS)

    handler.handle(generate(job_id), last_attempt=False)

    row = store.rows[job_id]
    expected = build_calendar(TODOS, base_url=handler.base_url, stamp=row.created_at)
    assert (row.status, row.event_count, row.error, row.attempts, row.announced) == ("SUCCESS", 2, None, 1, True)
    assert row.ics == expected.ics
    assert announced == [
        CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=2, error=None, correlation_id="req-42")
    ]


def test_a_job_in_retry_is_built_on_the_next_delivery(store, announced, handler):
    job_id = store.add(TODOS, status="RETRY", error="OperationalError: connection lost", attempts=1)

    handler.handle(generate(job_id), last_attempt=False)

    row = store.rows[job_id]
    assert (row.status, row.error, row.attempts) == ("SUCCESS", None, 2)
    assert [(m.status, m.event_count) for m in announced] == [("SUCCESS", 2)]


def test_a_finished_and_announced_job_is_neither_rebuilt_nor_announced(store, announced, handler):
    # Given a redelivery of a job that finished and was announced
    job_id = store.add(TODOS, status="SUCCESS", ics="EXISTING", event_count=2, announced=True, attempts=1)

    # When it is handled again
    handler.handle(generate(job_id), last_attempt=False)

    # Then nothing changes and nobody is told twice
    row = store.rows[job_id]
    assert (row.status, row.ics, row.attempts) == ("SUCCESS", "EXISTING", 1)
    assert announced == []


def test_a_finished_but_unannounced_job_is_announced_once_not_rebuilt(store, announced, handler):
    # Given a worker that crashed between storing SUCCESS and announcing it
    job_id = store.add(TODOS, status="SUCCESS", ics="EXISTING", event_count=2, attempts=1)

    # When the message is delivered again, twice
    handler.handle(generate(job_id), last_attempt=False)
    handler.handle(generate(job_id), last_attempt=False)

    # Then the stored calendar stands and the announcement goes out once
    row = store.rows[job_id]
    assert (row.status, row.ics, row.attempts, row.announced) == ("SUCCESS", "EXISTING", 1, True)
    assert announced == [
        CalendarJobFinished(job_id=job_id, status="SUCCESS", event_count=2, error=None, correlation_id="req-42")
    ]


def test_a_failed_but_unannounced_job_is_announced_with_its_error(store, announced, handler):
    job_id = store.add(TODOS, status="FAILURE", error="ValueError: boom", attempts=4)

    handler.handle(generate(job_id), last_attempt=True)

    assert announced == [
        CalendarJobFinished(job_id=job_id, status="FAILURE", error="ValueError: boom", correlation_id="req-42")
    ]
    assert (store.rows[job_id].status, store.rows[job_id].attempts) == ("FAILURE", 4)


def test_a_build_error_before_the_last_attempt_asks_for_a_retry(store, announced, handler):
    job_id = store.add(BROKEN_TODOS)

    with pytest.raises(ValueError, match="not a date"):
        handler.handle(generate(job_id), last_attempt=False)

    row = store.rows[job_id]
    assert row.status == "RETRY"
    assert row.error.startswith("ValueError: ") and "not a date" in row.error
    assert (row.ics, row.announced, row.attempts) == (None, False, 1)
    assert announced == []


def test_a_build_error_on_the_last_attempt_fails_the_job_and_announces_it(store, announced, handler):
    # Given a job whose snapshot cannot be built, already retried
    job_id = store.add(BROKEN_TODOS)
    with pytest.raises(ValueError):
        handler.handle(generate(job_id), last_attempt=False)

    # When the last attempt fails too
    handler.handle(generate(job_id), last_attempt=True)

    # Then the job ends FAILURE with the reason, announced once, and nothing is raised
    row = store.rows[job_id]
    assert row.status == "FAILURE"
    assert row.error.startswith("ValueError: ") and "not a date" in row.error
    assert (row.ics, row.announced, row.attempts) == (None, True, 2)
    assert announced == [CalendarJobFinished(job_id=job_id, status="FAILURE", error=row.error, correlation_id="req-42")]


def test_a_message_for_a_cancelled_job_is_skipped_without_a_word(store, announced, handler):
    # Given a job its client cancelled (deleted before it started) after its message went out
    job_id = str(uuid.uuid4())
    store.cancelled_ids.add(job_id)

    # When the message arrives, then nothing is raised, built or announced
    handler.handle(generate(job_id), last_attempt=False)

    assert announced == []
    assert store.rows == {}


def test_a_message_for_a_missing_job_is_refused_for_the_dead_letter_queue(store, announced, handler):
    with pytest.raises(JobNotFound):
        handler.handle(generate(str(uuid.uuid4())), last_attempt=False)

    assert announced == []
    assert store.rows == {}


def test_a_database_outage_spends_no_attempt_and_marks_nothing(store, announced, handler):
    # Given a job whose store loses the database while the calendar is being stored
    job_id = store.add(TODOS)
    outage = psycopg2.OperationalError("server closed the connection unexpectedly")

    def mark_success(*args: object) -> bool:
        raise outage

    store.mark_success = mark_success

    # When the worker handles it, even on its last attempt
    with pytest.raises(psycopg2.OperationalError):
        handler.handle(generate(job_id), last_attempt=True)

    # Then the outage goes up for OutageRetries, and the job is neither RETRY nor FAILURE
    assert store.rows[job_id].status == "STARTED"
    assert store.rows[job_id].error is None
    assert announced == []


def test_a_delivery_that_loses_the_race_does_not_overwrite_or_announce(store, announced, handler):
    # Given another delivery of the same job that finishes while this one builds
    job_id = store.add(TODOS)
    start = store.start

    def start_then_other_delivery_finishes(started_id: str):
        job = start(started_id)
        store.rows[started_id].status, store.rows[started_id].ics = "SUCCESS", "THE OTHER ONE"
        return job

    store.start = start_then_other_delivery_finishes

    # When this delivery's build completes
    handler.handle(generate(job_id), last_attempt=False)

    # Then the other delivery's result stands and this one announces nothing
    assert store.rows[job_id].ics == "THE OTHER ONE"
    assert announced == []


def test_an_undecodable_message_fails_its_job_and_announces_it(store, announced, handler):
    job_id = store.add(TODOS)

    handler.fail_undecodable(job_id, "generate_calendar: unknown fields ['extra']")

    row = store.rows[job_id]
    assert (row.status, row.error, row.announced) == (
        "FAILURE",
        "message could not be decoded: generate_calendar: unknown fields ['extra']",
        True,
    )
    assert announced == [
        CalendarJobFinished(job_id=job_id, status="FAILURE", error="generate_calendar: unknown fields ['extra']")
    ]


def test_an_undecodable_message_for_a_finished_job_changes_nothing(store, announced, handler):
    job_id = store.add(TODOS, status="SUCCESS", ics="EXISTING", event_count=2, announced=True)

    handler.fail_undecodable(job_id, "bad")
    handler.fail_undecodable(str(uuid.uuid4()), "bad")

    assert (store.rows[job_id].status, store.rows[job_id].error) == ("SUCCESS", None)
    assert announced == []
