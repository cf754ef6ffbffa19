"""A finished calendar job becomes exactly one SNS notification, read as a subscriber reads it:
the running stack (API, calendar-worker, notifier) over SQS and over Redis, SNS on moto's server;
the success journey also through the three images under docker compose."""

from __future__ import annotations

import json
import uuid

import psycopg2
import pytest
import requests

from taskoverflow_devstack.pytest_plugin import EVERY_STACK
from taskoverflow_shared.broker import BrokerSettings, build_broker, send
from taskoverflow_shared.messages import GenerateCalendar
from taskoverflow_shared.routing import ICAL_QUEUE

from jobs import notifications_for, wait_for_job

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("stack", EVERY_STACK, indirect=True)
def test_a_successful_job_is_announced_once_with_its_result_url(stack, clean_database) -> None:
    api = stack.base_url
    requests.post(f"{api}/api/v1/todos", json={"title": "Dentist", "deadline_at": "2026-12-03T08:00:00"})
    started = requests.post(f"{api}/api/v1/todos/ical").json()
    assert wait_for_job(started["task_url"])["task_status"] == "SUCCESS"

    received = notifications_for(stack.env, stack.inbox_url, started["task_id"])

    assert len(received) == 1, received
    [notification] = received
    assert notification["attributes"] == {
        "event_type": "calendar_job.finished",
        "job_id": started["task_id"],
        "status": "SUCCESS",
    }
    assert f"{api}/api/v1/todos/ical/{started['task_id']}/result" in notification["body"]
    assert "Events: 1" in notification["body"]


def test_a_failed_job_is_announced_once_with_the_reason(stack, clean_database) -> None:
    # Given a job whose snapshot cannot be built, sent as the API sends one
    job_id = str(uuid.uuid4())
    conn = psycopg2.connect(clean_database)
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO calendar_jobs (id, todos, todo_count) VALUES (%s, %s, 1)",
            (job_id, json.dumps([{"id": 1, "title": "x", "deadline_at": "not a date"}])),
        )
    conn.close()
    broker = build_broker(BrokerSettings.from_env(stack.env))
    broker.declare_queue(ICAL_QUEUE)
    send(broker, GenerateCalendar(job_id=job_id))
    assert wait_for_job(f"{stack.base_url}/api/v1/todos/ical/{job_id}/status")["task_status"] == "FAILURE"

    received = notifications_for(stack.env, stack.inbox_url, job_id)

    assert len(received) == 1, received
    assert received[0]["attributes"]["status"] == "FAILURE"
    assert "not a date" in received[0]["body"]
