"""POST /api/v1/todos/ical and the job's status and result endpoints."""

from __future__ import annotations

import uuid

import structlog
from flask import Blueprint, Response, current_app, request

from taskoverflow_shared.broker import send
from taskoverflow_shared.messages import GenerateCalendar

from ..request_body import json_body
from ..request_context import current_request_id
from ..responses import error_response, json_response
from .repository import CalendarJobRepository
from .selection import idempotency_key, selection_from

blueprint = Blueprint("calendar_jobs", __name__, url_prefix="/api/v1/todos/ical")
log = structlog.get_logger(__name__)


def _jobs() -> CalendarJobRepository:
    return current_app.extensions["taskoverflow.calendar_jobs"]


def _url(job_id: str, leaf: str) -> str:
    base = current_app.extensions["taskoverflow.settings"].public_base_url
    return f"{base}/api/v1/todos/ical/{job_id}/{leaf}"


def _canonical_job_id(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


@blueprint.post("")
def start_calendar_job() -> Response:
    selection = selection_from(json_body(optional=True, default={}), request.args)
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    broker = current_app.extensions.get("taskoverflow.broker")
    if broker is None:
        return error_response(503, "Calendar export is not configured on this server (no BROKER_URL)")

    request_id = current_request_id()
    job, created = _jobs().create(selection, idempotency_key=key, correlation_id=request_id)
    structlog.contextvars.bind_contextvars(job_id=job["id"])
    if created:
        try:
            send(broker, GenerateCalendar(job_id=job["id"], correlation_id=request_id))
        except Exception as exc:  # noqa: BLE001 - any broker failure means the same to the client
            log.error("job_enqueue_failed", error=f"{type(exc).__name__}: {exc}")
            _jobs().discard(job["id"])
            return error_response(503, "The job queue is unavailable; no job was started, try again later")
        log.info("calendar_job_started", todos=job["todo_count"], selection=selection.as_dict())
    status_url = _url(job["id"], "status")
    headers = {"Location": status_url}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return json_response({"task_id": job["id"], "task_url": status_url}, 202, headers)


@blueprint.get("/<job_id>/status")
def job_status(job_id: str) -> Response:
    canonical = _canonical_job_id(job_id)
    job = _jobs().status(canonical) if canonical else None
    if job is None:
        return error_response(404, "Task not found")
    body = {
        "task_id": job["id"],
        "task_status": job["status"],
        "result_url": _url(job["id"], "result"),
        "created_at": job["created_at"],
        "finished_at": job["finished_at"],
        "todo_count": job["todo_count"],
        "event_count": job["event_count"],
    }
    if job["status"] in ("FAILURE", "RETRY"):
        body["error"] = job["error"]
    return json_response(body)


@blueprint.get("/<job_id>/result")
def job_result(job_id: str) -> Response:
    canonical = _canonical_job_id(job_id)
    found = _jobs().result(canonical) if canonical else None
    if found is None:
        return error_response(404, "Task not found")
    status, ics = found
    if status != "SUCCESS":
        return error_response(404, "Task not finished", task_status=status)
    return Response(
        ics,
        status=200,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="taskoverflow.ics"'},
    )
