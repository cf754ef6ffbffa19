"""JSON responses, rendered with orjson (the list endpoint's hot path), and the one error shape."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status=status, headers=headers, mimetype="application/json")


def error_response(status: int, message: str, **extra: Any) -> Response:
    return json_response({"error": message, **extra}, status)
