"""The OpenAPI 3.1 document of the API, served at /api/v1/openapi.json and checked by schemathesis."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .calendar_jobs.openapi_paths import PATHS as CALENDAR_JOB_PATHS
from .responses import json_response
from .todos.validation import DESCRIPTION_MAX, TITLE_MAX

blueprint = Blueprint("openapi", __name__, url_prefix="/api/v1")

_TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
    "description": "ISO 8601 in UTC without an offset, whole seconds.",
    "examples": ["2023-02-27T00:00:00"],
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_TODO_REF = {"$ref": "#/components/schemas/Todo"}
_TODO_ID = {
    "name": "todo_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
_NO_NUL = r"^[^\u0000]*$"
# What the validator calls blank is Python's str.isspace(), spelled out: JSON Schema's `\s` is ECMA's and differs.
_NOT_BLANK_OR_NUL = r"[^\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]"
_TITLE_PATTERN = rf"^[^\u0000]*{_NOT_BLANK_OR_NUL}[^\u0000]*$"
_BAD_BODY = {
    "400": _error("The body breaks the contract: the message names the field."),
    "413": _error("The body is over 1 MiB."),
    "415": _error("The body is not JSON."),
}


def _todo_input(*, required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {
            # PostgreSQL text cannot hold NUL, and a title needs something besides whitespace.
            "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX, "pattern": _TITLE_PATTERN},
            "description": {"type": ["string", "null"], "maxLength": DESCRIPTION_MAX, "pattern": _NO_NUL},
            "completed": {"type": "boolean"},
            "deadline_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "ISO 8601; an offset is converted to UTC, none means UTC.",
            },
        },
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TaskOverflow API",
            "version": "1.0.0",
            "description": "Todos (the course's TaskOverflow contract) and asynchronous iCalendar export.",
        },
        "paths": {
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness check",
                    "operationId": "health",
                    "responses": {
                        "200": _json(
                            "The API is serving.",
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"const": "ok"}},
                            },
                        )
                    },
                }
            },
            "/api/v1/todos": {
                "get": {
                    "summary": "List todos, ordered by id",
                    "operationId": "listTodos",
                    "parameters": [
                        {
                            "name": "completed",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["true", "false"]},
                        },
                        {
                            "name": "window",
                            "in": "query",
                            "description": "Only todos due within this many days from now (past-due included, no deadline excluded).",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    ],
                    "responses": {
                        "200": _json("The todos.", {"type": "array", "items": _TODO_REF}),
                        "400": _error("A query parameter is malformed."),
                    },
                },
                "post": {
                    "summary": "Create a todo",
                    "operationId": "createTodo",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _todo_input(required=["title"])}},
                    },
                    "responses": {"201": _json("The created todo.", _TODO_REF), **_BAD_BODY},
                },
            },
            "/api/v1/todos/{todo_id}": {
                "parameters": [_TODO_ID],
                "get": {
                    "summary": "Get a todo",
                    "operationId": "getTodo",
                    "responses": {"200": _json("The todo.", _TODO_REF), "404": _error("No such todo.")},
                },
                "put": {
                    "summary": "Update some fields of a todo",
                    "operationId": "updateTodo",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _todo_input(required=[])}},
                    },
                    "responses": {
                        "200": _json("The updated todo.", _TODO_REF),
                        "404": _error("No such todo."),
                        **_BAD_BODY,
                    },
                },
                "delete": {
                    "summary": "Delete a todo",
                    "operationId": "deleteTodo",
                    "responses": {
                        "200": _json(
                            "The deleted todo, or {} when there was none.",
                            {"oneOf": [_TODO_REF, {"type": "object", "maxProperties": 0}]},
                        ),
                        # A path that is not a todo id (-1, abc) names no resource at all.
                        "404": _error("The id is not a whole number."),
                    },
                },
            },
            **CALENDAR_JOB_PATHS,
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": _json("The OpenAPI document.", {"type": "object"})},
                }
            },
        },
        "components": {
            "schemas": {
                "Error": _ERROR,
                "Todo": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "title", "description", "completed", "deadline_at", "created_at", "updated_at"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string", "maxLength": TITLE_MAX},
                        "description": {"type": ["string", "null"], "maxLength": DESCRIPTION_MAX},
                        "completed": {"type": "boolean"},
                        "deadline_at": {"oneOf": [_TIMESTAMP, {"type": "null"}]},
                        "created_at": _TIMESTAMP,
                        "updated_at": _TIMESTAMP,
                    },
                },
            }
        },
    }


@blueprint.get("/openapi.json")
def serve_document() -> Response:
    return json_response(document())
