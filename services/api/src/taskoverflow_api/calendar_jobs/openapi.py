"""The calendar-job endpoints' part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ..openapi_schema import BAD_BODY, Components, error, json_body, json_content
from ..todos.validation import COMPLETED_PARAMETER, WINDOW_PARAMETER
from .models import IDEMPOTENCY_KEY_PATTERN, CalendarJobRequest, CalendarJobStatus, JobNotFound, JobStarted

_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}


def paths(components: Components) -> dict[str, Any]:
    not_found = json_content(JobNotFound.__doc__ or "", components.ref(JobNotFound))
    expired = json_content(
        "The job ended longer ago than results are kept (RESULT_EXPIRES_S, default 7 days): its result is gone.",
        components.ref(JobNotFound),
    )
    return {
        "/api/v1/todos/ical": {
            "post": {
                "summary": "Start a calendar export of the selected todos",
                "description": (
                    "Snapshots the todos selected by `completed` and `window` (the list endpoint's meaning; "
                    "from the JSON body or the query) and starts a background job that builds an RFC 5545 "
                    "calendar of them. Poll `task_url`."
                ),
                "operationId": "startCalendarJob",
                "parameters": [
                    {k: v for k, v in COMPLETED_PARAMETER.items() if k != "description"},
                    {k: v for k, v in WINDOW_PARAMETER.items() if k != "description"},
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "description": "The same key within 24 h returns the same job instead of a new one.",
                        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                    },
                ],
                "requestBody": json_body(components.inline(CalendarJobRequest), required=False),
                "responses": {
                    "202": json_content(JobStarted.__doc__ or "", components.ref(JobStarted)),
                    **BAD_BODY,
                    "400": error("A selection value or the Idempotency-Key is malformed."),
                    "503": error("The job queue is unavailable: no job was started."),
                },
            }
        },
        "/api/v1/todos/ical/{job_id}/status": {
            "parameters": [_JOB_ID],
            "get": {
                "summary": "A calendar job's status",
                "operationId": "calendarJobStatus",
                "responses": {
                    "200": json_content(CalendarJobStatus.__doc__ or "", components.ref(CalendarJobStatus)),
                    "404": not_found,
                    "410": expired,
                },
            },
        },
        "/api/v1/todos/ical/{job_id}": {
            "parameters": [_JOB_ID],
            "delete": {
                "summary": "Cancel a calendar job that has not started, or forget one that ended",
                "description": (
                    "A PENDING job is cancelled (the worker skips it; it is never announced); a finished one is "
                    "deleted with its result. Either way the job is unknown (404) afterwards."
                ),
                "operationId": "deleteCalendarJob",
                "responses": {
                    "204": {"description": "Cancelled, or forgotten."},
                    "404": not_found,
                    "409": json_content("The job is running (STARTED or RETRY).", components.ref(JobNotFound)),
                },
            },
        },
        "/api/v1/todos/ical/{job_id}/result": {
            "parameters": [_JOB_ID],
            "get": {
                "summary": "A finished calendar job's .ics file",
                "operationId": "calendarJobResult",
                "responses": {
                    "200": {
                        "description": "The RFC 5545 calendar, as an attachment named taskoverflow.ics.",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    "404": not_found,
                    "410": expired,
                },
            },
        },
    }
