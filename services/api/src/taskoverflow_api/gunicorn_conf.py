"""gunicorn's settings, from the settings this process read once (bootstrap.settings)."""

from __future__ import annotations

from typing import Any

from taskoverflow_api.bootstrap import settings
from taskoverflow_shared.logging import configure_logging

_settings = settings()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread" if _settings.threads > 1 else "sync"
# The API logs one structured line per request itself.
accesslog = None
# Several APIs may run on one machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
# gunicorn's largest: a long but honest query string is served. Past it gunicorn itself answers
# 414 (in HTML, before the API sees the request); the OpenAPI document says so.
limit_request_line = 8190
graceful_timeout = 20
timeout = 30


def on_starting(server: Any) -> None:
    configure_logging(_settings.log_format, _settings.log_level)
