"""The /api/v1/todos endpoints of the course's TaskOverflow contract."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..request_body import json_body
from ..responses import error_response, json_response
from . import validation
from .repository import TodoRepository

blueprint = Blueprint("todos", __name__, url_prefix="/api/v1/todos")


def _repository() -> TodoRepository:
    return current_app.extensions["taskoverflow.todos"]


@blueprint.get("")
def list_todos() -> Response:
    completed = validation.completed_filter(request.args.get("completed"))
    window = validation.window_filter(request.args.get("window"))
    return json_response(_repository().list(completed=completed, window_days=window))


@blueprint.get("/<int:todo_id>")
def get_todo(todo_id: int) -> Response:
    todo = _repository().get(todo_id) if validation.todo_id(todo_id) else None
    if todo is None:
        return error_response(404, "Todo not found")
    return json_response(todo)


@blueprint.post("")
def create_todo() -> Response:
    fields = validation.todo_fields(json_body(), creating=True)
    return json_response(_repository().create(fields), 201)


@blueprint.put("/<int:todo_id>")
def update_todo(todo_id: int) -> Response:
    fields = validation.todo_fields(json_body(), creating=False)
    todo = _repository().update(todo_id, fields) if validation.todo_id(todo_id) else None
    if todo is None:
        return error_response(404, "Todo not found")
    return json_response(todo)


@blueprint.delete("/<int:todo_id>")
def delete_todo(todo_id: int) -> Response:
    todo = _repository().delete(todo_id) if validation.todo_id(todo_id) else None
    # The contract: deleting what is not there is not an error.
    return json_response(todo or {})
