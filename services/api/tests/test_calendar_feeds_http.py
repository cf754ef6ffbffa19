"""The feed endpoints through the app without a feed store or broker (fakes for the rest): they
answer 503 in JSON, and todo writes go on as before (no rebuild to queue)."""

from __future__ import annotations

from taskoverflow_api.bootstrap import bootstrap
from taskoverflow_api.calendar_jobs.fakes import FakeCalendarJobStore
from taskoverflow_api.config import ApiSettings
from taskoverflow_api.todos.fakes import FakeTodoStore

SETTINGS = ApiSettings(database_url="postgresql://unused/x", public_base_url="https://todos.example")
NOT_CONFIGURED = {"error": "Calendar feeds are not configured on this server (no BROKER_URL)"}


def test_without_feeds_the_endpoints_answer_503_and_todos_still_work() -> None:
    todos = FakeTodoStore()
    client = bootstrap(SETTINGS, todos=todos, calendar_jobs=FakeCalendarJobStore(todos)).test_client()

    created = client.post("/api/v1/calendar-feeds", json={"completed": False})
    revoked = client.delete("/api/v1/calendar-feeds/00000000-0000-4000-8000-000000000000")
    served = client.get(f"/api/v1/calendar-feeds/{'A' * 43}.ics")

    assert [(r.status_code, r.json) for r in (created, revoked, served)] == [(503, NOT_CONFIGURED)] * 3
    assert client.post("/api/v1/todos", json={"title": "still fine"}).status_code == 201


def test_a_bad_selection_is_refused_before_anything_else() -> None:
    todos = FakeTodoStore()
    client = bootstrap(SETTINGS, todos=todos, calendar_jobs=FakeCalendarJobStore(todos)).test_client()

    response = client.post("/api/v1/calendar-feeds", json={"window": -1, "colour": "red"})

    assert response.status_code == 400
    assert response.json == {"error": "unknown fields: colour (a feed takes 'completed' and 'window')"}
