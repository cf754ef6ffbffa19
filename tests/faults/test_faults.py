"""The guarantee under real faults, counted: every job the API accepted (202) ends SUCCESS or FAILURE
and is announced once, whatever fails in between. Real processes throughout: PostgreSQL stopped,
the broker hung (SIGSTOP) or killed, each service killed with kill -9 or drained with SIGTERM
mid-load, poison on the queue. Each test states its fault, then counts: submitted, accepted, ended,
announced (and twice), lost = 0, stranded = 0. FAULT_COUNTS_FILE, when set, receives each count line
(README.md's Reliability table is made from it)."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from base64 import b64encode

import dramatiq
import psycopg2
import pytest
import requests

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.dlq import dead_letters
from taskoverflow_shared.provisioning import aws_client
from taskoverflow_shared.routing import GENERATE_CALENDAR_ACTOR, ICAL_QUEUE

from fault_stack import Counts, FaultStack

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def record(stack: FaultStack, fault: str, counts: Counts) -> None:
    line = counts.line(f"[{stack.kind}] {fault}")
    print(line)
    if os.environ.get("FAULT_COUNTS_FILE"):
        with open(os.environ["FAULT_COUNTS_FILE"], "a") as out:
            out.write(line + "\n")


def assert_the_guarantee(counts: Counts, *, may_announce_twice: int = 0) -> None:
    assert counts.accepted > 0
    assert (counts.lost, counts.stranded) == (0, 0)
    assert counts.ended == counts.announced == counts.accepted
    assert counts.announced_twice <= may_announce_twice


def in_background(work) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def outbox_drained(stack: FaultStack) -> bool:
    import psycopg2

    conn = psycopg2.connect(stack.database_url, connect_timeout=3)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            return cur.fetchone()[0] == 0
    finally:
        conn.close()


def test_concurrent_submissions(stack: FaultStack) -> None:
    # 200 over SQS (moto does ~50 messages/s), 400 over Redis, 16 clients at once
    answers = stack.submit(200 if stack.kind == "sqs" else 400, threads=16)

    counts = stack.count(answers, within=150)

    record(stack, "concurrent submissions", counts)
    assert_the_guarantee(counts)
    assert counts.accepted == counts.submitted


def test_postgres_stopped_with_jobs_queued(stack: FaultStack) -> None:
    # Given 30 jobs whose messages wait in the queue while the worker is paused
    stack.worker.signal_group(signal.SIGSTOP)
    answers = stack.submit(30)
    wait_until(lambda: outbox_drained(stack), timeout=30, what="every message sent")

    # When PostgreSQL stops, the worker resumes and meets it stopped for 15 s
    stack.postgres.stop()
    try:
        stack.worker.signal_group(signal.SIGCONT)
        # Meanwhile a submission is refused fast, in JSON, and nothing half-made stays
        started = time.monotonic()
        during = stack.submit(5, threads=5)
        refused_within_s = time.monotonic() - started
        time.sleep(15)
    finally:
        stack.worker.signal_group(signal.SIGCONT)
        stack.postgres.start()

    # Then every accepted job ends and is announced once
    counts = stack.count(answers, within=120)
    record(stack, "PostgreSQL stopped 15 s with 30 jobs queued", counts)
    assert_the_guarantee(counts)
    assert counts.accepted == 30
    assert [(a.status_code, a.headers["Content-Type"]) for a in during] == [(503, "application/json")] * 5
    assert refused_within_s < 10, "a refusal waits for a connect timeout, not for gunicorn's"


def test_broker_hung_during_submissions(stack: FaultStack) -> None:
    # Given the broker hung (SIGSTOP) while 40 jobs are submitted
    stack.broker.pause()
    try:
        started = time.monotonic()
        answers = stack.submit(40)
        answered_within_s = time.monotonic() - started
        ready = requests.get(f"{stack.base_url}/api/v1/health/ready", timeout=10)
        time.sleep(max(0.0, 10 - answered_within_s))
    finally:
        stack.broker.resume()

    # Then every submission was accepted at once (the outbox), readiness said the broker was away,
    # and every job ends and is announced once the broker is back
    counts = stack.count(answers, within=120)
    record(stack, "broker hung (SIGSTOP) 10 s during 40 submissions", counts)
    assert_the_guarantee(counts)
    assert counts.accepted == 40
    assert (ready.status_code, ready.json()["checks"]["database"]) == (503, "ok")
    assert ready.json()["checks"]["broker"] != "ok"
    assert answered_within_s < 10


def test_broker_killed_and_restarted_during_submissions(redis_stack: FaultStack) -> None:
    stack = redis_stack
    # Given 60 submissions under way
    answers: list = []
    load = in_background(lambda: answers.extend(stack.submit(60, threads=4)))
    time.sleep(1)

    # When Redis is killed (kill -9) and comes back 5 s later with what its AOF kept
    stack.broker.kill()
    time.sleep(5)
    stack.broker.start()
    load.join(60)

    counts = stack.count(answers, within=120)
    record(stack, "broker killed (kill -9) mid-load, back after 5 s", counts)
    assert_the_guarantee(counts)
    assert counts.accepted == 60


@pytest.mark.parametrize("victim", ["calendar-worker", "notifier", "api"])
def test_kill_9_of_a_service_mid_load(stack: FaultStack, victim: str) -> None:
    service = {s.name: s for s in stack.services}[victim]
    # Given 60 submissions under way
    answers: list = []
    load = in_background(lambda: answers.extend(stack.submit(60, threads=4, timeout=5)))
    time.sleep(1.5)

    # When the service is killed with kill -9 (every process of it) and started again
    service.kill()
    service.start()
    load.join(60)

    # Then the submissions the API accepted all end and are announced once (while the API was
    # down, a client could not connect: refused, never accepted)
    counts = stack.count(answers, within=120)
    record(stack, f"kill -9 of the {victim} mid-load", counts)
    # A notifier killed after SNS took a publish and before it recorded it publishes that job's end
    # again once the claim's lease runs out: at least once, at most one per thread it had.
    at_most_in_flight = int(stack.env["NOTIFY_THREADS"]) if victim == "notifier" else 0
    assert_the_guarantee(counts, may_announce_twice=at_most_in_flight)
    assert set(counts.refused) <= {0}


def test_sigterm_under_load(stack: FaultStack) -> None:
    # Given 60 submissions under way
    answers: list = []
    load = in_background(lambda: answers.extend(stack.submit(60, threads=4, timeout=5)))
    time.sleep(1.5)

    # When every service gets one SIGTERM (each drains) and is started again
    for service in stack.services:
        service.terminate()
    for service in stack.services:
        service.start()
    load.join(60)

    counts = stack.count(answers, within=120)
    record(stack, "SIGTERM to every service under load", counts)
    assert_the_guarantee(counts)


def _dramatiq_body(args: tuple) -> bytes:
    return dramatiq.Message(
        queue_name=ICAL_QUEUE, actor_name=GENERATE_CALENDAR_ACTOR, args=args, kwargs={}, options={}
    ).encode()


MISSING_JOB = str(uuid.uuid4())
POISON_MESSAGES = {
    "not a message at all": None,
    "a message whose argument is not a GenerateCalendar": _dramatiq_body(({"type": "nonsense"},)),
    "a GenerateCalendar for a job that does not exist": _dramatiq_body(
        ({"type": "generate_calendar", "version": 1, "job_id": MISSING_JOB},)
    ),
}


def test_poison_is_dead_lettered_within_a_minute_and_jobs_still_run(stack: FaultStack) -> None:
    # Given poison of every kind on the calendar queue
    namespace = stack.env["QUEUE_NAMESPACE"]
    bodies = [body for body in POISON_MESSAGES.values() if body is not None]
    if stack.kind == "sqs":
        sqs = aws_client("sqs", stack.env)
        url = sqs.get_queue_url(QueueName=f"{namespace}_{ICAL_QUEUE}")["QueueUrl"]
        for raw in ["not base64!", b64encode(b"not json").decode(), *(b64encode(b).decode() for b in bodies)]:
            sqs.send_message(QueueUrl=url, MessageBody=raw)
        expected = 2 + len(bodies)
    else:
        # A Redis queue holds what Dramatiq's own producer wrote: only decodable messages reach it.
        broker_env = dict(stack.env)
        from taskoverflow_shared.broker import BrokerSettings, build_broker

        broker = build_broker(BrokerSettings.from_env(broker_env))
        broker.declare_queue(ICAL_QUEUE)
        for body in bodies:
            broker.enqueue(dramatiq.Message.decode(body))
        expected = len(bodies)

    # When the worker meets them, then every one is in the dead-letter queue within a minute
    started = time.monotonic()
    letters = dead_letters(stack.env)
    wait_until(
        lambda: len(letters.list(ICAL_QUEUE)) >= expected, timeout=60, what="the poison dead-lettered", interval=1
    )
    dead_lettered_within_s = time.monotonic() - started

    # And healthy jobs behind them still run
    answers = stack.submit(10)
    counts = stack.count(answers, within=60)
    record(
        stack, f"{expected} poison messages dead-lettered within {dead_lettered_within_s:.0f} s, then 10 jobs", counts
    )
    assert_the_guarantee(counts)
    assert len(letters.list(ICAL_QUEUE)) == expected

    # And once the missing job exists (say, restored), `make dlq` re-drives its message and it runs;
    # what cannot be decoded stays dead-lettered
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO calendar_jobs (id, todos, todo_count) VALUES (%s, '[]', 0)", (MISSING_JOB,))
    sent, left = letters.redrive(ICAL_QUEUE)
    assert (sent, left) == ((2, 2) if stack.kind == "sqs" else (2, 0))
    wait_until(lambda: stack.job_statuses()[MISSING_JOB] == "SUCCESS", timeout=30, what="the re-driven job built")
    # The nonsense message is refused again, so it is back in the dead-letter queue beside the rest
    wait_until(lambda: len(letters.list(ICAL_QUEUE)) == left + 1, timeout=30, what="the nonsense dead-lettered again")
