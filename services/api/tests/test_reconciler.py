"""Reconciliation on a real PostgreSQL: a job waiting too long is sent again, a job past its deadline
ends FAILURE with the reason and is announced once, a finished job whose notification the notifier
never published is announced again; and reconcilers side by side never act on one job twice."""

from __future__ import annotations

import threading
import uuid

import pytest

from taskoverflow_api.calendar_jobs.reconciler import Reconciler, ReconcileSettings
from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import CalendarJobFinished, GenerateCalendar, Message, from_dict
from taskoverflow_shared.outbox import MESSAGE_TYPES
from taskoverflow_shared.settings import ConfigError

pytestmark = pytest.mark.integration

SETTINGS = ReconcileSettings(resend_after_s=60, deadline_s=600, announce_after_s=30)


@pytest.fixture
def database(clean_database: str):
    database = Database(clean_database, max_connections=8)
    yield database
    database.close()


def add_job(database: Database, status: str, *, age_s: float, dispatched_s_ago: float | None = None, **fields) -> str:
    """A job asked for `age_s` ago whose message went out `dispatched_s_ago` (default: `age_s`) ago."""
    job_id = str(uuid.uuid4())
    columns = {"status": status, **fields}
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute(
            f"INSERT INTO calendar_jobs (id, todos, todo_count, correlation_id, created_at, dispatched_at,"
            f" {', '.join(columns)}) VALUES (%s, '[]', 0, 'req-1',"
            " (now() AT TIME ZONE 'UTC') - make_interval(secs => %s), now() - make_interval(secs => %s),"
            f" {', '.join(['%s'] * len(columns))})",
            (job_id, age_s, age_s if dispatched_s_ago is None else dispatched_s_ago, *columns.values()),
        )
    return job_id


def outbox(database: Database) -> list[Message]:
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT message_type, body FROM outbox ORDER BY id")
        return [from_dict(MESSAGE_TYPES[t], body) for t, body in cur.fetchall()]


def job(database: Database, job_id: str) -> tuple:
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT status, error, announced_at IS NOT NULL FROM calendar_jobs WHERE id = %s", (job_id,))
        return cur.fetchone()


def test_a_job_waiting_longer_than_resend_after_is_sent_again_once(database) -> None:
    # Given a job in each unfinished status whose message went out 2 minutes ago, and a fresh one
    stale = [add_job(database, status, age_s=120) for status in ("PENDING", "STARTED", "RETRY")]
    add_job(database, "PENDING", age_s=5)
    reconciler = Reconciler(database, SETTINGS)

    # When reconciliation runs twice in a row
    first = reconciler.reconcile_once()
    second = reconciler.reconcile_once()

    # Then each stale job got its message again, once; the fresh one and every status were left alone
    assert (first.resent, first.failed, second.resent) == (3, 0, 0)
    assert sorted(m.job_id for m in outbox(database)) == sorted(stale)
    assert all(isinstance(m, GenerateCalendar) and m.correlation_id == "req-1" for m in outbox(database))
    assert [job(database, j)[0] for j in stale] == ["PENDING", "STARTED", "RETRY"]


def test_a_job_past_its_deadline_ends_failure_with_the_reason_and_is_announced_once(database) -> None:
    overdue = add_job(database, "RETRY", age_s=601, error="ValueError: bad todo")
    reconciler = Reconciler(database, SETTINGS)

    assert reconciler.reconcile_once().failed == 1
    assert not reconciler.reconcile_once()

    status, error, announced = job(database, overdue)
    assert (status, announced) == ("FAILURE", True)
    assert error == "not finished within 600 s (ended by reconciliation); last error: ValueError: bad todo"
    assert outbox(database) == [
        CalendarJobFinished(job_id=overdue, status="FAILURE", error=error, correlation_id="req-1")
    ]


def finished_s_ago(database: Database, job_id: str, seconds: float) -> None:
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE calendar_jobs SET finished_at = (now() AT TIME ZONE 'UTC') - make_interval(secs => %s) WHERE id = %s",
            (seconds, job_id),
        )


def published(database: Database, job_id: str, status: str) -> None:
    """What the notifier records once SNS took the notification."""
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO notifications (job_id, status, published_at, sns_message_id) VALUES (%s, %s, now(), 'm-1')",
            (job_id, status),
        )


def test_a_finished_job_whose_end_was_never_published_is_announced_again_once_per_interval(database) -> None:
    # Given a job the worker finished and announced 40 s ago, whose message the broker lost
    lost = add_job(database, "SUCCESS", age_s=100, event_count=4)
    finished_s_ago(database, lost, 40)
    # And one whose notification was published, and one finished just now
    done = add_job(database, "FAILURE", age_s=100, error="bad")
    finished_s_ago(database, done, 40)
    published(database, done, "FAILURE")
    fresh = add_job(database, "SUCCESS", age_s=10, event_count=1)
    finished_s_ago(database, fresh, 1)
    reconciler = Reconciler(database, SETTINGS)

    # When reconciliation runs twice in a row
    assert reconciler.reconcile_once().announced == 1
    assert not reconciler.reconcile_once()

    # Then only the lost one was announced again, once (the next try waits announce_after_s)
    assert outbox(database) == [
        CalendarJobFinished(job_id=lost, status="SUCCESS", event_count=4, correlation_id="req-1")
    ]
    assert job(database, lost)[2] is True

    # And once the notifier has published it, it is left alone for good
    published(database, lost, "SUCCESS")
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute("UPDATE calendar_jobs SET announced_at = announced_at - interval '1 hour' WHERE id = %s", (lost,))
    assert not reconciler.reconcile_once()


def test_reconcilers_side_by_side_act_on_each_job_once(database) -> None:
    # Given 200 overdue jobs and 200 stale ones, and 4 reconcilers at once (API workers, replicas)
    overdue = {add_job(database, "PENDING", age_s=700) for _ in range(200)}
    stale = {add_job(database, "STARTED", age_s=120) for _ in range(200)}
    settings = ReconcileSettings(resend_after_s=60, deadline_s=600, batch_size=9)
    reconcilers = [Reconciler(database, settings) for _ in range(4)]

    def run(reconciler: Reconciler) -> None:
        while reconciler.reconcile_once():
            pass

    threads = [threading.Thread(target=run, args=(r,)) for r in reconcilers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # (A round may find every candidate locked by the others and stop early: finish the rest.)
    run(reconcilers[0])

    # Then each overdue job was announced once and each stale job sent once
    sent = outbox(database)
    assert sorted(m.job_id for m in sent if isinstance(m, CalendarJobFinished)) == sorted(overdue)
    assert sorted(m.job_id for m in sent if isinstance(m, GenerateCalendar)) == sorted(stale)


def test_the_resend_delay_must_be_below_the_deadline() -> None:
    with pytest.raises(ConfigError, match="RECONCILE_RESEND_AFTER_S"):
        ReconcileSettings.from_env({"RECONCILE_RESEND_AFTER_S": "600", "JOB_DEADLINE_S": "600"})


def test_the_worker_cannot_finish_a_job_the_reconciler_ended(database) -> None:
    overdue = add_job(database, "STARTED", age_s=700)
    Reconciler(database, SETTINGS).reconcile_once()

    # The worker's own update, as PostgresJobStore writes it: only a job not finished moves
    with database.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE calendar_jobs SET status = 'SUCCESS' WHERE id = %s AND status NOT IN ('SUCCESS', 'FAILURE')",
            (overdue,),
        )
        assert cur.rowcount == 0
    assert job(database, overdue)[0] == "FAILURE"
