"""The API's health: GET /api/v1/health and /api/v1/health/live (liveness: the process serves; no
dependency touched, so an orchestrator never restarts the API because PostgreSQL is away), and
GET /api/v1/health/ready (readiness: the database and the broker answer). Every answer comes within
READY_TIMEOUT_S, whatever hangs: each check runs in its own daemon thread, and one that has not
answered by then counts as down."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Blueprint, Response

from .dependencies import dependencies
from .responses import json_response

blueprint = Blueprint("health", __name__, url_prefix="/api/v1")

READY_TIMEOUT_S = 2.5


@blueprint.get("/health")
@blueprint.get("/health/live")
def health() -> Response:
    return json_response({"status": "ok"})


@blueprint.get("/health/ready")
def ready() -> Response:
    checks = run_checks(dependencies().readiness, timeout_s=READY_TIMEOUT_S)
    healthy = all(outcome == "ok" for outcome in checks.values())
    return json_response({"status": "ok" if healthy else "unavailable", "checks": checks}, 200 if healthy else 503)


def run_checks(checks: dict[str, Callable[[], None]], *, timeout_s: float) -> dict[str, str]:
    """Each check's outcome: "ok", its error, or a timeout; all within `timeout_s` together."""
    outcomes: dict[str, str] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            outcomes[name] = f"{type(exc).__name__}: {exc}"[:200].strip()
        else:
            outcomes[name] = "ok"

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in checks.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: outcomes.get(name, f"no answer within {timeout_s:g} s") for name in checks}
