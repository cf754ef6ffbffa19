"""The /api/v1/todos endpoints of the course's TaskOverflow contract."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..dependencies import dependencies
from ..request_body import json_body
from ..responses import error_response, json_response
from . import validation
from .selection import Selection

blueprint = Blueprint("todos", __name__, url_prefix="/api/v1/todos")


@blueprint.get("")
def list_todos() -> Response:
    completed = validation.completed_filter(request.args.get("completed"))
    window = validation.window_filter(request.args.get("window"))
    return json_response(dependencies().todos.list(Selection(completed, window)))


@blueprint.get("/<int:todo_id>")
def get_todo(todo_id: int) -> Response:
    todo = dependencies().todos.get(todo_id) if validation.todo_id(todo_id) else None
    if todo is None:
        return error_response(404, "Todo not found")
    return json_response(todo)


@blueprint.post("")
def create_todo() -> Response:
    fields = validation.todo_fields(json_body(), creating=True)
    return json_response(dependencies().todos.create(fields), 201)


@blueprint.put("/<int:todo_id>")
def update_todo(todo_id: int) -> Response:
    fields = validation.todo_fields(json_body(), creating=False)
    todo = dependencies().todos.update(todo_id, fields) if validation.todo_id(todo_id) else None
    if todo is None:
        return error_response(404, "Todo not found")
    return json_response(todo)


@blueprint.delete("/<int:todo_id>")
def delete_todo(todo_id: int) -> Response:
    todo = dependencies().todos.delete(todo_id) if validation.todo_id(todo_id) else None
    # The contract: deleting what is not there is not an error.
    return json_response(todo or {})
