"""GET / (the page) and GET /static/<file> (its CSS and JavaScript), under a strict Content-Security-Policy.

Not API operations: the OpenAPI document leaves them out. Every file is revalidated on each load
(`Cache-Control: no-cache` with an ETag, so a reload costs a 304): the asset URLs carry no version,
since there is no build step to write one, and a person must never run yesterday's script.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

STATIC = Path(__file__).parent / "static"

# Only this origin's own files: no inline script or style, no plugins, no framing, no <base> tricks.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    )
)

blueprint = Blueprint("web", __name__)


@blueprint.get("/")
def page() -> Response:
    return _static_file("index.html")


@blueprint.get("/static/<path:filename>")
def asset(filename: str) -> Response:
    return _static_file(filename)


def _static_file(filename: str) -> Response:
    # send_from_directory refuses paths outside STATIC (404), sets the ETag and answers If-None-Match.
    response = send_from_directory(STATIC, filename)
    response.cache_control.no_cache = True
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
