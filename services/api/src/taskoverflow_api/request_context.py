"""X-Request-ID: accepted or generated, echoed, and bound into every log line of the request."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from flask import Flask, Response, g, request

log = structlog.get_logger("taskoverflow_api.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is reused only if it is short and plain: it ends up in logs and headers.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id() -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex


def install_request_context(app: Flask) -> None:
    @app.before_request
    def bind_request_id() -> None:
        g.request_id = _request_id()
        g.started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        # The request id is also the correlation id a calendar job carries through the workers.
        structlog.contextvars.bind_contextvars(request_id=g.request_id, correlation_id=g.request_id)

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            log.info(
                "request_finished",
                method=request.method,
                path=request.path,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - g.started) * 1000, 2),
            )
        return response

    @app.teardown_request
    def unbind(_exc: BaseException | None) -> None:
        structlog.contextvars.clear_contextvars()
