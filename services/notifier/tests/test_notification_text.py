"""A job end -> subject, body and attributes: what a subscriber reads and filters on."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from taskoverflow_notifier.notification import MAX_REASON_CHARS, compose
from taskoverflow_shared.messages import CalendarJobFinished

BASE_URL = "https://todos.example"
JOB_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_a_successful_job_tells_where_to_download_the_calendar() -> None:
    notification = compose(CalendarJobFinished(job_id=JOB_ID, status="SUCCESS", event_count=3), base_url=BASE_URL)

    assert notification.subject == "TaskOverflow: your calendar is ready"
    assert notification.body.splitlines() == [
        "Your TaskOverflow calendar is ready.",
        "",
        f"Download it: https://todos.example/api/v1/todos/ical/{JOB_ID}/result",
        "Then import the .ics file into your calendar app.",
        "",
        f"Job:    {JOB_ID}",
        "Status: SUCCESS",
        "Events: 3 (one per todo with a deadline)",
    ]
    assert notification.attributes == {"event_type": "calendar_job.finished", "job_id": JOB_ID, "status": "SUCCESS"}


def test_an_empty_calendar_says_why_it_is_empty() -> None:
    body = compose(CalendarJobFinished(job_id=JOB_ID, status="SUCCESS", event_count=0), base_url=BASE_URL).body

    assert "Events: 0" in body
    assert "only todos with a deadline become events" in body


def test_a_failed_job_gives_the_reason_and_where_to_look() -> None:
    finished = CalendarJobFinished(job_id=JOB_ID, status="FAILURE", error="ValueError: deadline out of range")
    notification = compose(finished, base_url=BASE_URL)

    assert notification.subject == "TaskOverflow: calendar export failed"
    assert "Reason: ValueError: deadline out of range" in notification.body.splitlines()
    assert f"Details: https://todos.example/api/v1/todos/ical/{JOB_ID}/status" in notification.body
    assert f"https://todos.example/api/v1/todos/ical/{JOB_ID}/result" in notification.body
    assert "Status:  FAILURE" in notification.body
    assert notification.attributes == {"event_type": "calendar_job.finished", "job_id": JOB_ID, "status": "FAILURE"}


def test_a_failure_without_a_reason_says_so() -> None:
    body = compose(CalendarJobFinished(job_id=JOB_ID, status="FAILURE", error=None), base_url=BASE_URL).body

    assert "Reason: no reason was recorded" in body


def test_a_trailing_slash_on_the_base_url_does_not_double() -> None:
    body = compose(CalendarJobFinished(job_id=JOB_ID, status="SUCCESS", event_count=1), base_url=BASE_URL + "/").body

    assert f"https://todos.example/api/v1/todos/ical/{JOB_ID}/result" in body


job_ends = st.builds(
    CalendarJobFinished,
    job_id=st.uuids().map(str),
    status=st.sampled_from(["SUCCESS", "FAILURE"]),
    event_count=st.none() | st.integers(min_value=0, max_value=100_000),
    error=st.none() | st.text(max_size=2 * MAX_REASON_CHARS),
    correlation_id=st.none() | st.uuids().map(str),
)


@given(job_ends)
def test_every_notification_is_one_sns_accepts_and_a_person_can_act_on(finished: CalendarJobFinished) -> None:
    notification = compose(finished, base_url=BASE_URL)

    # SNS: Subject is printable ASCII, under 100 characters, one line.
    assert len(notification.subject) <= 100
    assert notification.subject.isascii() and notification.subject.isprintable()
    assert f"{BASE_URL}/api/v1/todos/ical/{finished.job_id}/result" in notification.body
    assert finished.job_id in notification.body
    assert notification.attributes["job_id"] == finished.job_id
    assert notification.attributes["status"] == finished.status
    assert uuid.UUID(notification.attributes["job_id"])
    reason = (finished.error or "").strip()
    if finished.status == "FAILURE" and reason:
        shown = reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1]
        assert shown in notification.body
    # SNS caps a message at 256 KiB.
    assert len(notification.body.encode("utf-8")) < 256 * 1024
