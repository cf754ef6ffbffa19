"""The OpenAPI 3.1 document of the API, served at /api/v1/openapi.json and checked by schemathesis.

Each resource contributes its paths (`<resource>/openapi.py`); request and response bodies come
from its models, so the document and the validation cannot drift apart.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response

from .calendar_feeds import openapi as calendar_feeds
from .calendar_jobs import openapi as calendar_jobs
from .openapi_schema import Components, error, json_content
from .responses import json_response
from .todos import openapi as todos

blueprint = Blueprint("openapi", __name__, url_prefix="/api/v1")


@functools.cache
def _document() -> dict[str, Any]:
    components = Components()
    health = {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TaskOverflow API",
            "version": "1.0.0",
            "description": "Todos (the course's TaskOverflow contract), asynchronous iCalendar export and calendar feeds.",
        },
        "paths": _with_uri_too_long(
            {
                "/api/v1/health": {
                    "get": {
                        "summary": "Liveness check",
                        "operationId": "health",
                        "responses": {"200": json_content("The API is serving.", health)},
                    }
                },
                **todos.paths(components),
                **calendar_jobs.paths(components),
                **calendar_feeds.paths(components),
                "/api/v1/openapi.json": {
                    "get": {
                        "summary": "This document",
                        "operationId": "openapi",
                        "responses": {"200": json_content("The OpenAPI document.", {"type": "object"})},
                    }
                },
            }
        ),
        "components": {"schemas": components.schemas},
    }


# gunicorn refuses a request line over limit_request_line (gunicorn_conf.py) itself, before the API,
# in the same JSON as every other error (gunicorn_errors.py).
_URI_TOO_LONG = error("The path and query are over 8190 bytes: gunicorn refuses the request.")


def _with_uri_too_long(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation that takes a path or query parameter may meet gunicorn's 414."""
    for path in paths.values():
        shared = path.get("parameters", [])
        for method, operation in path.items():
            if method != "parameters" and (shared or operation.get("parameters")):
                operation["responses"].setdefault("414", _URI_TOO_LONG)
    return paths


def document() -> dict[str, Any]:
    """A fresh copy of the document (built once)."""
    import copy

    return copy.deepcopy(_document())


@blueprint.get("/openapi.json")
def serve_document() -> Response:
    return json_response(_document())
