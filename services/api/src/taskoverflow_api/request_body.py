"""Reading a JSON request body with the contract's errors: 415 not JSON, 400 malformed, 413 too big."""

from __future__ import annotations

from typing import Any

import orjson
from flask import request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType


def json_body(*, optional: bool = False, default: Any = None) -> Any:
    """The request's JSON document; `default` when `optional` and the body is empty
    (a body of JSON `null` is a document, not an absent one)."""
    raw = request.get_data(cache=True)  # raises 413 when Content-Length is past MAX_CONTENT_LENGTH
    limit = request.max_content_length
    # A chunked body has no Content-Length: werkzeug stops quietly at the limit, and the
    # truncated prefix would be parsed. A byte left on the server's stream means it was cut.
    cut = limit is not None and len(raw) >= limit and request.content_length is None
    if cut and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    if optional and not raw:
        return default
    if not request.is_json:
        raise UnsupportedMediaType("request body must be JSON (Content-Type: application/json)")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from None
