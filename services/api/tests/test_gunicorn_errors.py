"""What gunicorn refuses before the API sees it (request line or header too large, a control character
in a header) is answered in the API's JSON, with gunicorn's status code: on the real server, over a
raw socket (an HTTP client would refuse to send most of these)."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from taskoverflow_api.gunicorn_errors import json_error

pytestmark = pytest.mark.integration


def raw_request(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "mentioning"),
    [
        (b"GET /api/v1/todos?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414, "Request line too long"),
        (b"GET /api/v1/todos HTTP/1.1\r\nHost: t\r\nX-Request-ID: " + b"r" * 9000 + b"\r\n\r\n", 431, "too large"),
        (b"GET /api/v1/todos HTTP/1.1\r\nHost: t\r\nIdempotency-Key: a\x01b\r\n\r\n", 400, "Bad request"),
    ],
    ids=["long-url", "huge-header", "control-character"],
)
def test_gunicorns_refusals_are_json(api: str, request_bytes: bytes, status: int, mentioning: str) -> None:
    got_status, headers, body = raw_request(api, request_bytes)

    assert got_status == status
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    assert mentioning in json.loads(body)["error"]


def test_the_detail_is_json_escaped_whatever_it_holds() -> None:
    response = json_error(400, "Bad Request", 'Invalid header "\x01</html>"')

    body = response.partition(b"\r\n\r\n")[2]
    assert json.loads(body) == {"error": 'Bad request: Invalid header "\x01</html>"'}
