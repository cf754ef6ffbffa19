"""A job's life after it ends, through the app on fakes: its result expires (410 in JSON), and
DELETE cancels a job that has not started, forgets a finished one and refuses a running one (409)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from taskoverflow_api.bootstrap import bootstrap
from taskoverflow_api.calendar_jobs.fakes import FakeCalendarJobStore, FakeRelay
from taskoverflow_api.config import ApiSettings
from taskoverflow_api.timestamps import utc_now
from taskoverflow_api.todos.fakes import FakeTodoStore
from taskoverflow_shared.job_status import JobStatus

SETTINGS = ApiSettings(database_url="postgresql://unused/x", public_base_url="https://todos.example")


@pytest.fixture
def jobs() -> FakeCalendarJobStore:
    return FakeCalendarJobStore(FakeTodoStore())


@pytest.fixture
def client(jobs: FakeCalendarJobStore) -> FlaskClient:
    return bootstrap(SETTINGS, todos=jobs.todos, calendar_jobs=jobs, wake_relay=FakeRelay()).test_client()


def _job(client: FlaskClient) -> str:
    response = client.post("/api/v1/todos/ical")
    assert response.status_code == 202
    return str(response.json["task_id"])


def _ended(jobs: FakeCalendarJobStore, job_id: str, ago: timedelta) -> None:
    jobs.finish(job_id, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 0)
    jobs.jobs[job_id] = dataclasses.replace(jobs.jobs[job_id], finished_at=utc_now() - ago)


def test_a_result_is_served_until_it_expires_then_answers_410(client, jobs) -> None:
    fresh, old = _job(client), _job(client)
    _ended(jobs, fresh, timedelta(days=6))
    _ended(jobs, old, timedelta(days=7, seconds=1))

    assert client.get(f"/api/v1/todos/ical/{fresh}/result").status_code == 200
    for leaf in ("status", "result"):
        response = client.get(f"/api/v1/todos/ical/{old}/{leaf}")
        assert response.status_code == 410
        assert response.json == {
            "error": "Task result expired: results are kept for 604800 s after the job ends; start a new export",
            "task_status": "SUCCESS",
        }


def test_an_unfinished_job_never_expires(client, jobs) -> None:
    job_id = _job(client)
    jobs.jobs[job_id] = dataclasses.replace(jobs.jobs[job_id], created_at=utc_now() - timedelta(days=30))

    assert client.get(f"/api/v1/todos/ical/{job_id}/status").json["task_status"] == "PENDING"


def test_delete_cancels_forgets_and_refuses_a_running_job(client, jobs) -> None:
    pending, finished, running = _job(client), _job(client), _job(client)
    _ended(jobs, finished, timedelta(0))
    jobs.jobs[running] = dataclasses.replace(jobs.jobs[running], status=JobStatus.RETRY)

    assert client.delete(f"/api/v1/todos/ical/{pending}").status_code == 204
    assert client.delete(f"/api/v1/todos/ical/{finished}").status_code == 204
    refused = client.delete(f"/api/v1/todos/ical/{running}")

    assert client.get(f"/api/v1/todos/ical/{pending}/status").status_code == 404
    assert client.get(f"/api/v1/todos/ical/{finished}/result").status_code == 404
    assert (refused.status_code, refused.json["task_status"]) == (409, "RETRY")
    assert client.delete("/api/v1/todos/ical/not-a-uuid").status_code == 404
