"""gunicorn's settings, from the environment the API already validated."""

from __future__ import annotations

from taskoverflow_api.config import ApiSettings
from taskoverflow_shared.logging import configure_logging

_settings = ApiSettings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread" if _settings.threads > 1 else "sync"
# The API logs one structured line per request itself.
accesslog = None
# Several APIs may run on one machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
graceful_timeout = 20
timeout = 30


def on_starting(server) -> None:
    configure_logging(_settings.log_format, _settings.log_level)
