"""gunicorn's settings, from the settings this process read once (bootstrap.settings)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from taskoverflow_api.bootstrap import settings
from taskoverflow_api.config import SERVICE
from taskoverflow_api.gunicorn_errors import install as install_json_errors
from taskoverflow_shared.logging import configure_logging

_settings = settings()


class StructlogLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's logger, routed through our renderer from its very first line ("Starting gunicorn"):
    gunicorn logs that before any server hook runs, right after it sets this logger up."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # Replaces the handlers gunicorn just installed on its loggers with our one.
        configure_logging(_settings.log_format, _settings.log_level, service=SERVICE)


logger_class = StructlogLogger
bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread" if _settings.threads > 1 else "sync"
# The API logs one structured line per request itself.
accesslog = None
# Several APIs may run on one machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
# gunicorn's largest: a long but honest query string is served. Past it gunicorn itself answers
# 414 (in JSON: gunicorn_errors.py, before the API sees the request); the OpenAPI document says so.
limit_request_line = 8190
graceful_timeout = 20
timeout = 30

# Its own refusals (414, 431, 400) answered in JSON like every other error.
install_json_errors()
