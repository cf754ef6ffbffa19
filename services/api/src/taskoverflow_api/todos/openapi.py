"""The todo endpoints' part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ..openapi_schema import BAD_BODY, Components, error, json_body, json_content
from .models import NewTodo, Todo, TodoChanges
from .validation import COMPLETED_PARAMETER, WINDOW_PARAMETER

_TODO_ID = {"name": "todo_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}


def paths(components: Components) -> dict[str, Any]:
    todo = components.ref(Todo)
    return {
        "/api/v1/todos": {
            "get": {
                "summary": "List todos, ordered by id",
                "operationId": "listTodos",
                "parameters": [COMPLETED_PARAMETER, WINDOW_PARAMETER],
                "responses": {
                    "200": json_content("The todos.", {"type": "array", "items": todo}),
                    "400": error("A query parameter is malformed."),
                },
            },
            "post": {
                "summary": "Create a todo",
                "operationId": "createTodo",
                "requestBody": json_body(components.inline(NewTodo)),
                "responses": {"201": json_content("The created todo.", todo), **BAD_BODY},
            },
        },
        "/api/v1/todos/{todo_id}": {
            "parameters": [_TODO_ID],
            "get": {
                "summary": "Get a todo",
                "operationId": "getTodo",
                "responses": {"200": json_content("The todo.", todo), "404": error("No such todo.")},
            },
            "put": {
                "summary": "Update some fields of a todo",
                "operationId": "updateTodo",
                "requestBody": json_body(components.inline(TodoChanges)),
                "responses": {
                    "200": json_content("The updated todo.", todo),
                    "404": error("No such todo."),
                    **BAD_BODY,
                },
            },
            "delete": {
                "summary": "Delete a todo",
                "operationId": "deleteTodo",
                "responses": {
                    "200": json_content(
                        "The deleted todo, or {} when there was none.",
                        {"oneOf": [todo, {"type": "object", "maxProperties": 0}]},
                    ),
                    # A path that is not a todo id (-1, abc) names no resource at all.
                    "404": error("The id is not a whole number."),
                },
            },
        },
    }
