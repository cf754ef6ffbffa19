"""POST /api/v1/todos/ical and the job's status and result endpoints."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, request

from taskoverflow_shared.job_status import JobStatus

from ..dependencies import dependencies
from ..request_context import current_request_id
from ..responses import error_response, json_response
from ..selection_request import requested_selection
from ..timestamps import utc_now
from .models import CalendarJobRequest, idempotency_key
from .ports import CalendarJob
from .service import ExportUnavailable, start_calendar_job

blueprint = Blueprint("calendar_jobs", __name__, url_prefix="/api/v1/todos/ical")


def _url(job_id: str, leaf: str) -> str:
    return f"{dependencies().settings.public_base_url}/api/v1/todos/ical/{job_id}/{leaf}"


def _canonical_job_id(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


@blueprint.post("")
def start() -> Response:
    selection = requested_selection(CalendarJobRequest)
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    deps = dependencies()
    try:
        started = start_calendar_job(
            deps.calendar_jobs, deps.wake_relay, selection, idempotency_key=key, correlation_id=current_request_id()
        )
    except ExportUnavailable as exc:
        return error_response(503, str(exc))
    status_url = _url(started.job.id, "status")
    headers = {"Location": status_url}
    if not started.created:
        headers["Idempotent-Replayed"] = "true"
    return json_response({"task_id": started.job.id, "task_url": status_url}, 202, headers)


def _expired(job: CalendarJob) -> bool:
    """A finished job's result is kept RESULT_EXPIRES_S; the worker's clean-up removes it soon after."""
    expires = timedelta(seconds=dependencies().settings.result_expires_s)
    return job.finished_at is not None and job.finished_at + expires <= utc_now()


def _gone(job: CalendarJob) -> Response:
    return error_response(
        410,
        "Task result expired: results are kept for"
        f" {dependencies().settings.result_expires_s} s after the job ends; start a new export",
        task_status=job.status,
    )


@blueprint.get("/<job_id>/status")
def status(job_id: str) -> Response:
    canonical = _canonical_job_id(job_id)
    job = dependencies().calendar_jobs.status(canonical) if canonical else None
    if job is None:
        return error_response(404, "Task not found")
    if _expired(job):
        return _gone(job)
    body: dict[str, Any] = {
        "task_id": job.id,
        "task_status": job.status,
        "result_url": _url(job.id, "result"),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "todo_count": job.todo_count,
        "event_count": job.event_count,
    }
    if job.status in (JobStatus.FAILURE, JobStatus.RETRY):
        body["error"] = job.error
    return json_response(body)


@blueprint.get("/<job_id>/result")
def result(job_id: str) -> Response:
    canonical = _canonical_job_id(job_id)
    jobs = dependencies().calendar_jobs
    job = jobs.status(canonical) if canonical else None
    if job is not None and _expired(job):
        return _gone(job)
    found = jobs.result(canonical) if canonical and job is not None else None
    if found is None:
        return error_response(404, "Task not found")
    job_status, ics = found
    if job_status is not JobStatus.SUCCESS:
        return error_response(404, "Task not finished", task_status=job_status)
    return Response(
        ics,
        status=200,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="taskoverflow.ics"'},
    )


@blueprint.delete("/<job_id>")
def delete(job_id: str) -> Response:
    canonical = _canonical_job_id(job_id)
    outcome = dependencies().calendar_jobs.delete(canonical) if canonical else None
    if outcome is None:
        return error_response(404, "Task not found")
    job_status, deleted = outcome
    if not deleted:
        return error_response(
            409, "Task is running and cannot be cancelled; delete it once it ends", task_status=job_status
        )
    # Not started: cancelled (the worker finds it recorded as cancelled and skips it). Finished: forgotten, result and all.
    return Response(status=204)
