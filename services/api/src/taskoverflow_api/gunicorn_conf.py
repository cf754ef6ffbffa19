"""gunicorn's settings, from the environment the API already validated."""

from __future__ import annotations

from gunicorn.glogging import Logger

from taskoverflow_api.config import ApiSettings
from taskoverflow_shared.logging import configure_logging

_settings = ApiSettings.from_env()


class StructlogLogger(Logger):
    """gunicorn's logger, routed through our renderer from its very first line ("Starting gunicorn"):
    gunicorn logs that before any server hook runs, right after it sets this logger up."""

    def setup(self, cfg) -> None:  # noqa: ANN001 - gunicorn's Config
        super().setup(cfg)
        # Replaces the handlers gunicorn just installed on its loggers with our one.
        configure_logging(_settings.log_format, _settings.log_level)


logger_class = StructlogLogger
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
