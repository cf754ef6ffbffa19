"""Liveness and readiness: /health and /health/live never touch a dependency; /health/ready names each
dependency's state and answers within its bound even when one hangs."""

from __future__ import annotations

import threading
import time

from taskoverflow_api.bootstrap import bootstrap
from taskoverflow_api.calendar_jobs.fakes import FakeCalendarJobStore, FakeRelay
from taskoverflow_api.config import ApiSettings
from taskoverflow_api.dependencies import dependencies
from taskoverflow_api.health import run_checks
from taskoverflow_api.todos.fakes import FakeTodoStore

SETTINGS = ApiSettings(database_url="postgresql://unused/x")


def client_with(checks):
    todos = FakeTodoStore()
    app = bootstrap(SETTINGS, todos=todos, calendar_jobs=FakeCalendarJobStore(todos), wake_relay=FakeRelay())
    with app.app_context():
        dependencies().readiness.update(checks)
    return app.test_client()


def ok() -> None:
    pass


def refused() -> None:
    raise ConnectionRefusedError("connection refused")


def test_liveness_answers_ok_whatever_the_dependencies_do() -> None:
    client = client_with({"database": refused})

    for path in ("/api/v1/health", "/api/v1/health/live"):
        response = client.get(path)
        assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_ready_when_every_dependency_answers() -> None:
    response = client_with({"database": ok, "broker": ok}).get("/api/v1/health/ready")

    assert (response.status_code, response.json) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "broker": "ok"}},
    )


def test_not_ready_names_the_dependency_that_refused() -> None:
    response = client_with({"database": ok, "broker": refused}).get("/api/v1/health/ready")

    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "ConnectionRefusedError: connection refused"},
    }


def test_a_hanging_dependency_is_reported_not_waited_for() -> None:
    hung = threading.Event()
    try:
        outcomes = run_checks({"database": ok, "broker": lambda: hung.wait(30) and None}, timeout_s=0.3)
    finally:
        hung.set()

    assert outcomes == {"database": "ok", "broker": "no answer within 0.3 s"}


def test_checks_run_side_by_side_so_two_slow_ones_fit_in_one_bound() -> None:
    # One after the other they would need 0.4 s, and the second would count as down.
    outcomes = run_checks({"a": lambda: time.sleep(0.2), "b": lambda: time.sleep(0.2)}, timeout_s=0.35)

    assert outcomes == {"a": "ok", "b": "ok"}
