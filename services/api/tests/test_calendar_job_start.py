"""Starting a calendar job (the job and its message in the outbox together, the relay woken) on fakes:
as a service function, and through the app bootstrap wires with the same fakes (Flask's test client,
no server)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from taskoverflow_api.bootstrap import bootstrap
from taskoverflow_api.calendar_jobs.fakes import FakeCalendarJobStore, FakeRelay
from taskoverflow_api.calendar_jobs.service import ExportUnavailable, start_calendar_job
from taskoverflow_api.config import ApiSettings
from taskoverflow_api.todos.fakes import FakeTodoStore
from taskoverflow_api.todos.selection import Selection
from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import GenerateCalendar

SETTINGS = ApiSettings(database_url="postgresql://unused/x", public_base_url="https://todos.example")


@pytest.fixture
def todos() -> FakeTodoStore:
    todos = FakeTodoStore()
    todos.create({"title": "Pay rent", "completed": True})
    todos.create({"title": "Ship"})
    return todos


@pytest.fixture
def jobs(todos: FakeTodoStore) -> FakeCalendarJobStore:
    return FakeCalendarJobStore(todos)


@pytest.fixture
def relay() -> FakeRelay:
    return FakeRelay()


def start(jobs: FakeCalendarJobStore, relay: FakeRelay | None, key: str | None = None):
    return start_calendar_job(jobs, relay, Selection(completed=False), idempotency_key=key, correlation_id="req-1")


# --- the service function -------------------------------------------------------------------


def test_a_job_is_created_with_its_snapshot_and_its_message_queued_then_the_relay_woken(jobs, relay) -> None:
    started = start(jobs, relay)

    assert started.created
    assert (started.job.status, started.job.todo_count) == (JobStatus.PENDING, 1)
    assert [t["title"] for t in jobs.snapshots[started.job.id]] == ["Ship"]
    assert jobs.outbox == [GenerateCalendar(job_id=started.job.id, correlation_id="req-1")]
    assert relay.woken == 1


def test_without_a_broker_nothing_is_created(jobs) -> None:
    with pytest.raises(ExportUnavailable, match="not configured"):
        start(jobs, None)

    assert jobs.jobs == {}


def test_a_known_idempotency_key_returns_the_same_job_and_queues_nothing_more(jobs, relay) -> None:
    first = start(jobs, relay, key="export-1")
    again = start(jobs, relay, key="export-1")

    assert (again.created, again.job) == (False, first.job)
    assert len(jobs.outbox) == 1


# --- through the app ------------------------------------------------------------------------


@pytest.fixture
def client(todos: FakeTodoStore, jobs: FakeCalendarJobStore, relay: FakeRelay) -> FlaskClient:
    return bootstrap(SETTINGS, todos=todos, calendar_jobs=jobs, wake_relay=relay).test_client()


def test_the_app_starts_a_job_and_shows_its_status_and_result(client, jobs) -> None:
    response = client.post("/api/v1/todos/ical", json={"completed": True}, headers={"X-Request-ID": "req-9"})

    assert response.status_code == 202
    job_id = response.json["task_id"]
    assert response.json["task_url"] == f"https://todos.example/api/v1/todos/ical/{job_id}/status"
    assert jobs.outbox == [GenerateCalendar(job_id=job_id, correlation_id="req-9")]
    assert client.get(f"/api/v1/todos/ical/{job_id}/status").json["task_status"] == "PENDING"
    unfinished = client.get(f"/api/v1/todos/ical/{job_id}/result")
    assert (unfinished.status_code, unfinished.json) == (404, {"error": "Task not finished", "task_status": "PENDING"})

    jobs.finish(job_id, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 0)
    result = client.get(f"/api/v1/todos/ical/{job_id}/result")
    assert (result.status_code, result.mimetype) == (200, "text/calendar")


def test_the_app_without_a_broker_answers_503(todos, jobs) -> None:
    client = bootstrap(SETTINGS, todos=todos, calendar_jobs=jobs).test_client()

    response = client.post("/api/v1/todos/ical")

    assert (response.status_code, response.json) == (
        503,
        {"error": "Calendar export is not configured on this server (no BROKER_URL)"},
    )


def test_a_400_digit_body_window_is_refused_in_json(client, jobs) -> None:
    # orjson reads a number that long as a float, infinite: the body is refused as not JSON.
    response = client.post("/api/v1/todos/ical", data=f'{{"window": {"9" * 400}}}', content_type="application/json")

    assert (response.status_code, response.is_json) == (400, True)
    assert jobs.jobs == {}


@pytest.mark.parametrize("window", ["1e308", "2.0", "-0.0", "9" * 19, "-1", "true", '"7"', "1.5"])
def test_the_body_window_takes_the_list_endpoints_integer_rules(client, jobs, window: str) -> None:
    response = client.post("/api/v1/todos/ical", data=f'{{"window": {window}}}', content_type="application/json")

    assert response.status_code == 400
    assert "window" in response.json["error"]
    assert jobs.jobs == {}


@pytest.mark.parametrize("window", ["9" * 400, "2.0", "-0"])
def test_the_query_window_of_the_job_endpoint_too(client, jobs, window: str) -> None:
    response = client.post(f"/api/v1/todos/ical?window={window}")

    assert response.status_code == 400
    assert "window" in response.json["error"]
    assert jobs.jobs == {}


@pytest.mark.parametrize(("window", "days"), [("0", 0), ("30", 30), ("9" * 18, 3_650_000)])
def test_a_whole_window_is_taken(client, jobs, window: str, days: int) -> None:
    response = client.post("/api/v1/todos/ical", data=f'{{"window": {window}}}', content_type="application/json")

    assert response.status_code == 202
    [job_id] = jobs.jobs
    assert client.get(f"/api/v1/todos/ical/{job_id}/status").status_code == 200
