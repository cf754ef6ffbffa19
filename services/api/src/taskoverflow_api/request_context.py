"""X-Request-ID: accepted or generated, echoed, and bound into every log line of the request.

A WSGI middleware rather than Flask hooks: it is on every request's path, and one wrapper
costs less than three hooks; it also sees responses Flask's hooks never do. Being that one place,
it also adds the headers every response carries (`X-Content-Type-Options: nosniff`: a browser
takes each answer, JSON or the web page's files, as the type it says it is).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from flask import request

log = structlog.get_logger("taskoverflow_api.access")

REQUEST_ID_HEADER = "X-Request-ID"
EVERY_RESPONSE_HEADERS = (("X-Content-Type-Options", "nosniff"),)
_ENVIRON_KEY = "taskoverflow.request_id"
# A client's id is reused only if it is short and plain: it ends up in logs and headers.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def current_request_id() -> str | None:
    """The id of the request being handled (also the correlation id its jobs carry)."""
    request_id: str | None = request.environ.get(_ENVIRON_KEY)
    return request_id


class RequestContextMiddleware:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _ACCEPTABLE_ID.match(offered) else secrets.token_hex(16)
        environ[_ENVIRON_KEY] = request_id
        started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        # The request id is also the correlation id a calendar job carries through the workers.
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=request_id)

        def start_response_with_id(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((REQUEST_ID_HEADER, request_id))
            headers.extend(EVERY_RESPONSE_HEADERS)
            log.info(
                "request_finished",
                method=environ.get("REQUEST_METHOD"),
                path=environ.get("PATH_INFO"),
                status=int(status[:3]),
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start_response_with_id)
        finally:
            structlog.contextvars.clear_contextvars()
