"""gunicorn's own error answers (a request it refuses before the app sees it: a request line past its
limit, a header too large, a control character) as the API's JSON errors, same status codes.

gunicorn writes those with `gunicorn.util.write_error`, an HTML page; `install()` replaces it in the
master before it forks, so every worker answers {"error": ...} with the nosniff header every other
response carries."""

from __future__ import annotations

import socket

import orjson
from gunicorn import util  # type: ignore[import-untyped]

# The messages a client reads, by status; the detail gunicorn gives (the offending header) follows.
_MESSAGES = {
    400: "Bad request",
    414: "Request line too long",
    431: "Request header fields too large",
}


def json_error(status: int, reason: str, detail: str) -> bytes:
    """A complete HTTP/1.1 response: status line, headers and the JSON body."""
    message = _MESSAGES.get(status, reason)
    body = orjson.dumps({"error": f"{message}: {detail}"[:500] if detail else message})
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    util.write_nonblock(sock, json_error(status_int, reason, mesg))


def install() -> None:
    util.write_error = _write_json_error
