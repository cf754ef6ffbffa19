"""The /api/v1/todos endpoints of the course's TaskOverflow contract."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..calendar_feeds.rebuilds import queue_feed_rebuilds
from ..dependencies import Dependencies, dependencies
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


def _rebuild_feeds(deps: Dependencies) -> None:
    # The write is committed: a trigger marked the feeds it touched; queue their rebuilds.
    queue_feed_rebuilds(deps.feeds, deps.wake_relay, delay_ms=deps.settings.feed_build_delay_ms)


@blueprint.post("")
def create_todo() -> Response:
    fields = validation.todo_fields(json_body(), creating=True)
    deps = dependencies()
    todo = deps.todos.create(fields)
    _rebuild_feeds(deps)
    return json_response(todo, 201)


@blueprint.put("/<int:todo_id>")
def update_todo(todo_id: int) -> Response:
    fields = validation.todo_fields(json_body(), creating=False)
    deps = dependencies()
    todo = deps.todos.update(todo_id, fields) if validation.todo_id(todo_id) else None
    if todo is None:
        return error_response(404, "Todo not found")
    _rebuild_feeds(deps)
    return json_response(todo)


@blueprint.delete("/<int:todo_id>")
def delete_todo(todo_id: int) -> Response:
    deps = dependencies()
    todo = deps.todos.delete(todo_id) if validation.todo_id(todo_id) else None
    if todo is not None:
        _rebuild_feeds(deps)
    # The contract: deleting what is not there is not an error.
    return json_response(todo or {})
