"""A finished calendar job -> what its subscribers read: subject, plain-text body, filter attributes. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from taskoverflow_shared.job_status import JobStatus
from taskoverflow_shared.messages import CalendarJobFinished

EVENT_TYPE = "calendar_job.finished"
# SNS takes a Subject of at most 100 printable ASCII characters.
SUBJECTS = {
    JobStatus.SUCCESS: "TaskOverflow: your calendar is ready",
    JobStatus.FAILURE: "TaskOverflow: calendar export failed",
}
# The worker caps its reasons at 500; a reason from elsewhere must not make a 256 KiB email.
MAX_REASON_CHARS = 1_000


@dataclasses.dataclass(frozen=True)
class Notification:
    job_id: str
    status: str
    subject: str
    body: str
    # String message attributes, so a subscription's filter policy can pick what it receives.
    attributes: Mapping[str, str]


def result_url(base_url: str, job_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/todos/ical/{job_id}/result"


def status_url(base_url: str, job_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/todos/ical/{job_id}/status"


def compose(finished: CalendarJobFinished, *, base_url: str) -> Notification:
    """The notification for one job end; the same message always gives the same notification."""
    body = (
        _success_body(finished, base_url) if finished.status is JobStatus.SUCCESS else _failure_body(finished, base_url)
    )
    return Notification(
        job_id=finished.job_id,
        status=finished.status.value,
        subject=SUBJECTS[finished.status],
        body=body,
        attributes={"event_type": EVENT_TYPE, "job_id": finished.job_id, "status": finished.status.value},
    )


def _success_body(finished: CalendarJobFinished, base_url: str) -> str:
    if finished.event_count is None:
        events = "not recorded"
    else:
        events = f"{finished.event_count} (one per todo with a deadline)"
    lines = [
        "Your TaskOverflow calendar is ready.",
        "",
        f"Download it: {result_url(base_url, finished.job_id)}",
        "Then import the .ics file into your calendar app.",
    ]
    if finished.event_count == 0:
        # Otherwise an empty calendar looks like a broken export.
        lines += ["", "The calendar has no events: only todos with a deadline become events."]
    lines += [
        "",
        f"Job:    {finished.job_id}",
        f"Status: {finished.status}",
        f"Events: {events}",
    ]
    return "\n".join(lines) + "\n"


def _failure_body(finished: CalendarJobFinished, base_url: str) -> str:
    reason = (finished.error or "").strip() or "no reason was recorded"
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 1] + "…"
    lines = [
        "Your TaskOverflow calendar export failed: there is no calendar to download.",
        "",
        f"Reason: {reason}",
        "",
        f"Job:     {finished.job_id}",
        f"Status:  {finished.status}",
        "Events:  none",
        f"Details: {status_url(base_url, finished.job_id)}",
        f"Result:  {result_url(base_url, finished.job_id)} (answers 404 for a failed export)",
        "",
        "Ask for a new export to try again. If it fails again with the same reason,",
        "forward this message to whoever runs your TaskOverflow.",
    ]
    return "\n".join(lines) + "\n"
