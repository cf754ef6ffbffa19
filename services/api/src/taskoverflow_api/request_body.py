"""Reading a JSON request body with the contract's errors: 415 not JSON, 400 malformed, 413 too big."""

from __future__ import annotations

from typing import Any

import orjson
from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType


def json_body(*, optional: bool = False) -> Any:
    """The request's JSON document; None when `optional` and the body is empty."""
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    if optional and not raw:
        return None
    if not request.is_json:
        raise UnsupportedMediaType("request body must be JSON (Content-Type: application/json)")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from None
