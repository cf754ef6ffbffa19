"""Every error as JSON {"error": ...}: HTTP errors, validation errors, and faults we did not expect."""

from __future__ import annotations

import psycopg2
import structlog
from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from .request_models import ValidationError
from .responses import error_response

log = structlog.get_logger(__name__)

_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large (limit 1 MiB)",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def validation_error(exc: ValidationError) -> Response:
        return error_response(400, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = _MESSAGES.get(status) or exc.description or exc.name
        response = error_response(status, message)
        if status == 405 and exc.response is None:
            allowed = exc.valid_methods if hasattr(exc, "valid_methods") else None
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    # InterfaceError too: a pooled connection the server closed under it ("connection already closed").
    @app.errorhandler(psycopg2.OperationalError)
    @app.errorhandler(psycopg2.InterfaceError)
    def database_unavailable(exc: psycopg2.Error) -> Response:
        log.error("database_unavailable", error=f"{type(exc).__name__}: {str(exc).strip()}")
        return error_response(503, "Database unavailable, try again later")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled_error")
        return error_response(500, "Internal server error")
