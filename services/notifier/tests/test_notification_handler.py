"""The handler with a recording publisher and an in-memory store: one notification per job end."""

from __future__ import annotations

import pytest
import structlog
from dramatiq.middleware import TimeLimitExceeded

from taskoverflow_notifier.handler import NotificationInFlight
from taskoverflow_shared.messages import CalendarJobFinished


def finished(job_id: str, status: str = "SUCCESS", **fields) -> CalendarJobFinished:
    defaults = {"event_count": 2} if status == "SUCCESS" else {"error": "ValueError: bad deadline"}
    return CalendarJobFinished(job_id=job_id, status=status, correlation_id="corr-1", **{**defaults, **fields})


def test_a_job_end_is_published_once_and_recorded(handler, publisher, store, job_id) -> None:
    handler.handle(finished(job_id))

    [sent] = publisher.sent
    assert sent.subject == "TaskOverflow: your calendar is ready"
    assert sent.attributes["job_id"] == job_id
    row = store.rows[(job_id, "SUCCESS")]
    assert row.published_at is not None
    assert row.sns_message_id == "fake-message-1"


def test_a_redelivered_message_publishes_nothing_more(handler, publisher, job_id) -> None:
    handler.handle(finished(job_id))
    # SQS delivers the same message again (or the worker announced the job twice)
    handler.handle(finished(job_id))

    assert len(publisher.sent) == 1


def test_a_publish_error_lets_go_of_the_claim_and_propagates(handler, publisher, store, job_id) -> None:
    # Given SNS refuses
    outage = ConnectionError("SNS unreachable")
    publisher.error = outage

    # When the job end is handled, the error reaches Dramatiq
    with pytest.raises(ConnectionError) as raised:
        handler.handle(finished(job_id, "FAILURE"))
    assert raised.value is outage
    assert store.rows[(job_id, "FAILURE")].claimed_at is None
    assert publisher.sent == []

    # Then the retry, once SNS is back, publishes without waiting out a lease
    publisher.error = None
    handler.handle(finished(job_id, "FAILURE"))
    assert [n.subject for n in publisher.sent] == ["TaskOverflow: calendar export failed"]


def test_a_time_limit_during_the_publish_lets_go_too(handler, publisher, store, job_id) -> None:
    # Dramatiq's time limit is a BaseException, raised inside the publish call.
    publisher.error = TimeLimitExceeded()

    with pytest.raises(TimeLimitExceeded):
        handler.handle(finished(job_id))

    assert store.rows[(job_id, "SUCCESS")].claimed_at is None


def test_a_claim_held_by_another_delivery_is_retried_not_dropped(handler, publisher, store, job_id) -> None:
    # Given another delivery claimed this job end 100 s ago and has not confirmed (it may have died)
    store.claim(job_id, "SUCCESS", "TaskOverflow: your calendar is ready")
    store.advance(100)

    # When this delivery comes, it publishes nothing and asks to be retried when the lease ends
    with pytest.raises(NotificationInFlight) as raised:
        handler.handle(finished(job_id))
    assert raised.value.retry_after_s == pytest.approx(200)
    assert publisher.sent == []

    # Then, the lease over, the retry takes the claim over and publishes
    store.advance(201)
    handler.handle(finished(job_id))
    assert len(publisher.sent) == 1


def test_when_recording_fails_the_claim_is_kept(handler, publisher, store, job_id) -> None:
    # Given SNS accepts, but the database fails to record it
    store.confirm_error = ConnectionError("database gone")
    with pytest.raises(ConnectionError):
        handler.handle(finished(job_id))
    store.confirm_error = None

    # When Dramatiq retries within the lease, the claim still stands: no second email
    with pytest.raises(NotificationInFlight):
        handler.handle(finished(job_id))
    assert len(publisher.sent) == 1


def test_each_publish_logs_what_was_sent(handler, job_id) -> None:
    with structlog.testing.capture_logs() as logs:
        handler.handle(finished(job_id))
        handler.handle(finished(job_id))

    [published] = [line for line in logs if line["event"] == "notification_published"]
    assert published["job_id"] == job_id
    assert published["correlation_id"] == "corr-1"
    assert published["subject"] == "TaskOverflow: your calendar is ready"
    assert f"/api/v1/todos/ical/{job_id}/result" in published["body"]
    assert published["sns_message_id"] == "fake-message-1"
    assert [line["event"] for line in logs][-1] == "notification_already_published"
