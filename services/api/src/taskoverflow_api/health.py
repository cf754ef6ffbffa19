"""GET /api/v1/health: the process is up and serving (a liveness check; it does not touch the database)."""

from __future__ import annotations

from flask import Blueprint, Response

from .responses import json_response

blueprint = Blueprint("health", __name__, url_prefix="/api/v1")


@blueprint.get("/health")
def health() -> Response:
    return json_response({"status": "ok"})
