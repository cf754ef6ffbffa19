"""The calendar-job endpoints' part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

_JOB_STATUSES = ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE"]
_TIMESTAMP_OR_NULL = {
    "type": ["string", "null"],
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
    "description": "ISO 8601 in UTC without an offset, whole seconds.",
}
_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, {"$ref": "#/components/schemas/Error"})


_NOT_FOUND = _json(
    'No such job ({"error": "Task not found"}), or, for a result, a job not finished yet '
    '({"error": "Task not finished", "task_status": ...}).',
    {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "task_status": {"enum": _JOB_STATUSES}},
    },
)

PATHS: dict[str, Any] = {
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
                {"name": "completed", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                {"name": "window", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "description": "The same key within 24 h returns the same job instead of a new one.",
                    "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
                },
            ],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "description": "null, or a field left out, selects as if not given.",
                            "properties": {
                                "completed": {"type": ["boolean", "null"]},
                                "window": {"type": ["integer", "null"], "minimum": 0},
                            },
                        }
                    }
                },
            },
            "responses": {
                "202": _json(
                    "The job was started (or, with a known Idempotency-Key, found).",
                    {
                        "type": "object",
                        "required": ["task_id", "task_url"],
                        "properties": {
                            "task_id": {"type": "string", "format": "uuid"},
                            "task_url": {"type": "string", "format": "uri"},
                        },
                    },
                ),
                "400": _error("A selection value or the Idempotency-Key is malformed."),
                "413": _error("The body is over 1 MiB."),
                "415": _error("The body is not JSON."),
                "503": _error("The job queue is unavailable: no job was started."),
            },
        }
    },
    "/api/v1/todos/ical/{job_id}/status": {
        "parameters": [_JOB_ID],
        "get": {
            "summary": "A calendar job's status",
            "operationId": "calendarJobStatus",
            "responses": {
                "200": _json(
                    "The job's status (Celery's status names).",
                    {
                        "type": "object",
                        "required": [
                            "task_id",
                            "task_status",
                            "result_url",
                            "created_at",
                            "finished_at",
                            "todo_count",
                            "event_count",
                        ],
                        "properties": {
                            "task_id": {"type": "string", "format": "uuid"},
                            "task_status": {"enum": _JOB_STATUSES},
                            "result_url": {"type": "string", "format": "uri"},
                            "created_at": _TIMESTAMP_OR_NULL,
                            "finished_at": _TIMESTAMP_OR_NULL,
                            "todo_count": {"type": "integer"},
                            "event_count": {"type": ["integer", "null"]},
                            "error": {"type": ["string", "null"], "description": "Why, on RETRY and FAILURE."},
                        },
                    },
                ),
                "404": _NOT_FOUND,
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
                "404": _NOT_FOUND,
            },
        },
    },
}
