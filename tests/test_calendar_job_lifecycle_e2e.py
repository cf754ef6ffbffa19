"""A calendar job's life after it ends, and before it starts, through the running services: a result
expires (410, then the worker's clean-up removes the .ics and later the row), a job that has not
started is cancelled (the worker skips it, nobody is notified), a finished one is forgotten."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from taskoverflow_devstack.services import sql
from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.broker import BrokerSettings, build_broker, send
from taskoverflow_shared.messages import GenerateCalendar
from taskoverflow_shared.routing import ICAL_QUEUE

from jobs import notifications_for, wait_for_job, wait_for_quiet_queues

pytestmark = pytest.mark.integration


def _finished_job(api: str) -> str:
    assert requests.post(f"{api}/api/v1/todos", json={"title": "Report", "deadline_at": "2026-12-24T07:00:00"}).ok
    started = requests.post(f"{api}/api/v1/todos/ical", timeout=10).json()
    assert wait_for_job(started["task_url"])["task_status"] == "SUCCESS"
    return str(started["task_id"])


def test_an_expired_result_answers_410_and_is_cleaned_up(stack, clean_database) -> None:
    api, database_url = stack.base_url, stack.env["DATABASE_URL"]
    job_id = _finished_job(api)

    # When the job ended longer ago than results are kept (7 days)
    sql(database_url, "UPDATE calendar_jobs SET finished_at = finished_at - interval '8 days' WHERE id = %s", (job_id,))

    # Then its status and result say so in JSON, and the worker's clean-up removes the .ics and the snapshot
    for leaf in ("status", "result"):
        response = requests.get(f"{api}/api/v1/todos/ical/{job_id}/{leaf}", timeout=10)
        assert response.status_code == 410
        assert response.json()["error"].startswith("Task result expired")
        assert response.json()["task_status"] == "SUCCESS"
    wait_until(
        lambda: (
            sql(database_url, "SELECT ics IS NULL AND todos::text = '[]' FROM calendar_jobs WHERE id = %s", (job_id,))
            == [(True,)]
        ),
        timeout=30,
        what="the expired result removed",
        interval=0.2,
    )

    # When the row itself is past its keeping time (30 days), it is deleted: the job is unknown
    sql(
        database_url, "UPDATE calendar_jobs SET finished_at = finished_at - interval '30 days' WHERE id = %s", (job_id,)
    )
    wait_until(
        lambda: requests.get(f"{api}/api/v1/todos/ical/{job_id}/status", timeout=10).status_code == 404,
        timeout=30,
        what="the old job row deleted",
        interval=0.2,
    )


def test_a_job_that_has_not_started_is_cancelled_and_the_worker_skips_it(stack, clean_database) -> None:
    api, database_url = stack.base_url, stack.env["DATABASE_URL"]
    # Given a job still PENDING, its message not yet handled
    job_id = str(uuid.uuid4())
    sql(database_url, "INSERT INTO calendar_jobs (id, todos, todo_count) VALUES (%s, %s, 0)", (job_id, json.dumps([])))

    # When it is deleted, and only then its message reaches the worker
    assert requests.delete(f"{api}/api/v1/todos/ical/{job_id}", timeout=10).status_code == 204
    broker = build_broker(BrokerSettings.from_env(stack.env))
    broker.declare_queue(ICAL_QUEUE)
    send(broker, GenerateCalendar(job_id=job_id))
    wait_for_quiet_queues(stack.env)

    # Then the job is unknown, nothing was built and nobody was notified
    assert requests.get(f"{api}/api/v1/todos/ical/{job_id}/status", timeout=10).status_code == 404
    assert sql(database_url, "SELECT count(*) FROM calendar_jobs WHERE id = %s", (job_id,)) == [(0,)]
    assert notifications_for(stack.env, stack.inbox_url, job_id) == []


def test_a_finished_job_is_forgotten_and_a_running_one_is_not_cancelled(stack, clean_database) -> None:
    api, database_url = stack.base_url, stack.env["DATABASE_URL"]
    finished = _finished_job(api)
    running = str(uuid.uuid4())
    sql(
        database_url,
        "INSERT INTO calendar_jobs (id, todos, todo_count, status) VALUES (%s, '[]', 0, 'STARTED')",
        (running,),
    )

    forgotten = requests.delete(f"{api}/api/v1/todos/ical/{finished}", timeout=10)
    refused = requests.delete(f"{api}/api/v1/todos/ical/{running}", timeout=10)
    unknown = requests.delete(f"{api}/api/v1/todos/ical/{uuid.uuid4()}", timeout=10)

    assert forgotten.status_code == 204
    assert requests.get(f"{api}/api/v1/todos/ical/{finished}/result", timeout=10).status_code == 404
    assert refused.status_code == 409 and refused.json()["task_status"] == "STARTED"
    assert requests.get(f"{api}/api/v1/todos/ical/{running}/status", timeout=10).json()["task_status"] == "STARTED"
    assert unknown.status_code == 404
