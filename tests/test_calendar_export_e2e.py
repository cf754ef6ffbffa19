"""A calendar job through real processes: the API under gunicorn, the worker under Dramatiq's CLI,
over SQS (moto's server) and over Redis, and (the first journey) through the three images under
docker compose. The .ics is read back by two independent parsers."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import dramatiq
import icalendar
import pytest
import requests
from ical.calendar_stream import IcsCalendarStream

from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.pytest_plugin import E2E_WORKER_SETTINGS, EVERY_STACK
from taskoverflow_devstack.services import run_api, sql
from taskoverflow_shared.broker import BrokerSettings, build_broker, send
from taskoverflow_shared.messages import GenerateCalendar
from taskoverflow_shared.routing import GENERATE_CALENDAR_ACTOR, ICAL_QUEUE

from jobs import dead_lettered_bodies, wait_for_job

pytestmark = pytest.mark.integration
MAX_ATTEMPTS = int(E2E_WORKER_SETTINGS["WORKER_MAX_RETRIES"]) + 1


def _todo(api: str, **fields) -> dict:
    response = requests.post(f"{api}/api/v1/todos", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def _start_job(api: str, **kwargs) -> dict:
    response = requests.post(f"{api}/api/v1/todos/ical", **kwargs)
    assert response.status_code == 202, response.text
    return response.json()


def _insert_job(database_url: str, todos: list) -> str:
    job_id = str(uuid.uuid4())
    sql(
        database_url,
        "INSERT INTO calendar_jobs (id, todos, todo_count) VALUES (%s, %s, %s)",
        (job_id, json.dumps(todos), len(todos)),
    )
    return job_id


def _broker_like_the_api(stack):
    broker = build_broker(BrokerSettings.from_env(stack.env))
    broker.declare_queue(ICAL_QUEUE)
    return broker


@pytest.mark.parametrize("stack", EVERY_STACK, indirect=True)
def test_a_job_ends_in_a_calendar_both_parsers_read(stack, clean_database) -> None:
    api = stack.base_url
    # Given three todos: one to place, one done, one without a deadline
    call = _todo(
        api,
        title="Call Ana, then Bo; maybe 🎉 中文 שלום",
        description="line one\nline two",
        deadline_at="2026-12-27T10:00:00+10:00",
    )
    done = _todo(api, title="Pay rent", completed=True, deadline_at="2026-12-01T09:30:00")
    _todo(api, title="Someday")

    # When a calendar is asked for
    started = _start_job(api)
    assert str(uuid.UUID(started["task_id"], version=4)) == started["task_id"]
    assert started["task_url"] == f"{api}/api/v1/todos/ical/{started['task_id']}/status"
    status = wait_for_job(started["task_url"])

    # Then it succeeds with one event per todo that has a deadline
    assert status["task_status"] == "SUCCESS", status
    assert (status["todo_count"], status["event_count"]) == (3, 2)
    assert status["result_url"] == f"{api}/api/v1/todos/ical/{started['task_id']}/result"
    assert status["finished_at"] is not None
    result = requests.get(status["result_url"])
    assert result.status_code == 200
    assert result.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert result.headers["Content-Disposition"] == 'attachment; filename="taskoverflow.ics"'

    parsed = icalendar.Calendar.from_ical(result.text)
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {call["title"], done["title"]}
    assert events[call["title"]].decoded("DTSTART").isoformat() == "2026-12-27T00:00:00+00:00"
    assert "line one\nline two" in str(events[call["title"]]["DESCRIPTION"])
    assert "completed" in str(events[done["title"]]["DESCRIPTION"])

    strict = IcsCalendarStream.calendar_from_ics(result.text)
    assert sorted(e.summary for e in strict.events) == sorted(events)
    assert all(e.dtstamp is not None and e.uid for e in strict.events)


def test_the_calendar_shows_todos_as_they_were_when_asked(stack, clean_database) -> None:
    api = stack.base_url
    todo = _todo(api, title="Before", deadline_at="2026-12-24T18:00:00")
    started = _start_job(api)
    requests.put(f"{api}/api/v1/todos/{todo['id']}", json={"title": "After"})

    wait_for_job(started["task_url"])
    calendar = requests.get(f"{started['task_url'][: -len('status')]}result").text
    assert "SUMMARY:Before" in calendar and "After" not in calendar


def test_completed_and_window_select_the_todos(stack, clean_database) -> None:
    api = stack.base_url
    _todo(api, title="Done, soon", completed=True, deadline_at="2020-01-01T00:00:00")
    _todo(api, title="Open, soon", deadline_at="2020-01-02T00:00:00")
    _todo(api, title="Done, far", completed=True, deadline_at="2999-01-01T00:00:00")

    by_query = wait_for_job(_start_job(api, params={"completed": "true"})["task_url"])
    by_body = wait_for_job(_start_job(api, json={"completed": True, "window": 30})["task_url"])

    assert (by_query["todo_count"], by_query["event_count"]) == (2, 2)
    assert (by_body["todo_count"], by_body["event_count"]) == (1, 1)
    assert "Done, soon" in requests.get(by_body["result_url"]).text.replace("\\,", ",")


def test_an_idempotency_key_returns_the_same_job(stack, clean_database) -> None:
    api = stack.base_url
    first = _start_job(api, headers={"Idempotency-Key": "export-42"})
    again = requests.post(f"{api}/api/v1/todos/ical", headers={"Idempotency-Key": "export-42"})
    other = _start_job(api, headers={"Idempotency-Key": "export-43"})

    assert again.status_code == 202 and again.json() == first
    assert other["task_id"] != first["task_id"]
    assert sql(clean_database, "SELECT count(*) FROM calendar_jobs")[0][0] == 2


def test_bad_requests_are_refused_and_start_nothing(stack, clean_database) -> None:
    api = stack.base_url
    assert requests.post(f"{api}/api/v1/todos/ical", json={"window": -1}).status_code == 400
    assert requests.post(f"{api}/api/v1/todos/ical", json={"colour": "red"}).status_code == 400
    assert requests.post(f"{api}/api/v1/todos/ical", params={"completed": "maybe"}).status_code == 400
    assert requests.post(f"{api}/api/v1/todos/ical", headers={"Idempotency-Key": "two words"}).status_code == 400
    assert sql(clean_database, "SELECT count(*) FROM calendar_jobs")[0][0] == 0


def test_unknown_and_unfinished_jobs_answer_404(stack, clean_database) -> None:
    api = stack.base_url
    # A job row with no message behind it stays PENDING: an unfinished job.
    pending = _insert_job(clean_database, [])
    for job_id in (str(uuid.uuid4()), "not-a-uuid"):
        for leaf in ("status", "result"):
            response = requests.get(f"{api}/api/v1/todos/ical/{job_id}/{leaf}")
            assert (response.status_code, response.json()) == (404, {"error": "Task not found"})
    unfinished = requests.get(f"{api}/api/v1/todos/ical/{pending}/result")
    assert (unfinished.status_code, unfinished.json()) == (
        404,
        {"error": "Task not finished", "task_status": "PENDING"},
    )


def test_a_failing_job_is_retried_then_fails_with_a_reason(stack, clean_database) -> None:
    # Given a job whose snapshot the builder cannot read, sent as the API sends one
    job_id = _insert_job(clean_database, [{"id": 1, "title": "x", "deadline_at": "not a date"}])
    send(_broker_like_the_api(stack), GenerateCalendar(job_id=job_id, correlation_id="e2e-failing"))

    # Then it ends FAILURE with the reason, after every attempt, shown RETRY in between
    status = wait_for_job(f"{stack.base_url}/api/v1/todos/ical/{job_id}/status")
    assert status["task_status"] == "FAILURE"
    assert "not a date" in status["error"]
    assert sql(clean_database, "SELECT attempts FROM calendar_jobs WHERE id = %s", (job_id,))[0][0] == MAX_ATTEMPTS
    assert stack.log_text().count("calendar_build_failed_will_retry") >= MAX_ATTEMPTS - 1


def test_an_undecodable_message_fails_its_job_and_is_dead_lettered(stack, clean_database) -> None:
    api = stack.base_url
    job_id = _insert_job(clean_database, [])
    broker = _broker_like_the_api(stack)
    # A message from a future sender: version 99 of the schema
    body = {"type": "generate_calendar", "version": 99, "job_id": job_id}
    broker.enqueue(
        dramatiq.Message(queue_name=ICAL_QUEUE, actor_name=GENERATE_CALENDAR_ACTOR, args=(body,), kwargs={}, options={})
    )

    status = wait_for_job(f"{api}/api/v1/todos/ical/{job_id}/status")
    assert status["task_status"] == "FAILURE" and "version" in status["error"]
    assert dead_lettered_bodies(stack.env, ICAL_QUEUE, containing=job_id.encode())
    # And the worker goes on: the next job succeeds
    _todo(api, title="Still works", deadline_at="2026-12-31T23:59:59")
    assert wait_for_job(_start_job(api)["task_url"])["task_status"] == "SUCCESS"


def test_a_calendar_of_10000_todos_succeeds(stack, clean_database) -> None:
    sql(
        clean_database,
        "INSERT INTO todos (title, deadline_at) SELECT 'Todo ' || g, timestamp '2027-01-01' + g * interval '1 hour'"
        " FROM generate_series(1, 10000) g",
    )
    status = wait_for_job(_start_job(stack.base_url)["task_url"], timeout=120)
    assert (status["task_status"], status["event_count"]) == ("SUCCESS", 10_000)
    calendar = icalendar.Calendar.from_ical(requests.get(status["result_url"]).text)
    assert len(calendar.walk("VEVENT")) == 10_000


def test_a_job_asked_for_while_the_broker_is_unreachable_is_accepted_and_runs(stack, clean_database, tmp_path) -> None:
    # Given an API whose broker is down (a closed port), beside the stack's own
    port = free_port()
    env = dict(stack.env, PORT=str(port), WEB_CONCURRENCY="1")
    if env["BROKER_URL"].startswith("sqs"):
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    else:
        env["BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    _todo(stack.base_url, title="Accepted anyway", deadline_at="2026-12-31T23:59:59")
    with run_api(env, log_path=tmp_path / "api.log") as base:
        # When a calendar is asked for there
        response = requests.post(f"{base}/api/v1/todos/ical", timeout=10)

    # Then it is accepted at once (the job and its message are in the database, not yet sent), and
    # the job runs: the outbox row is sent by a relay that reaches the broker (the stack's API's)
    assert response.status_code == 202
    status = wait_for_job(f"{stack.base_url}/api/v1/todos/ical/{response.json()['task_id']}/status")
    assert (status["task_status"], status["event_count"]) == ("SUCCESS", 1)
    assert sql(clean_database, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] == 0


def test_the_worker_refuses_to_start_without_its_configuration() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "taskoverflow_calendar_worker"],
        env={"PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "BROKER_URL" in result.stderr or "DATABASE_URL" in result.stderr
