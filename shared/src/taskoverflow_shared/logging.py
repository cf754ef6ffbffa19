"""structlog set-up, once per process: JSON lines off a terminal, console on one, stdlib logs alike,
every line naming the service that wrote it."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


# The longest service name ("calendar-worker"): the console's service column lines up at this width.
_SERVICE_COLUMN_WIDTH = 15


def _bind_service(service: str) -> structlog.typing.Processor:
    def add_service(logger: Any, method_name: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
        event.setdefault("service", service)
        return event

    return add_service


def _console_renderer() -> structlog.dev.ConsoleRenderer:
    """structlog's console renderer with the service as the second column, after the time:
    several services share one terminal under `make up`."""
    renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    timestamp, *rest = renderer.columns[1:]
    service = structlog.dev.Column(
        "service",
        structlog.dev.KeyValueColumnFormatter(
            key_style=None, value_style="", reset_style="", value_repr=str, width=_SERVICE_COLUMN_WIDTH
        ),
    )
    renderer.columns = [renderer.columns[0], timestamp, service, *rest]
    return renderer


def _orjson_dumps(event: dict[str, Any], **_kw: Any) -> str:
    # default=str: a stray exception or UUID in a log field must not break logging.
    return orjson.dumps(event, default=str).decode()


def configure_logging(log_format: str | None = None, level: str | int = "INFO", *, service: str | None = None) -> None:
    """Route structlog and stdlib logging (gunicorn, dramatiq, botocore) through one renderer.

    `log_format` is "json" or "console"; None picks console on a terminal, JSON elsewhere.
    `service` ("api", "calendar-worker", ...) goes on every line as `service`, so the lines of
    several services in one terminal (`make up`) or one log store can be told apart.
    Call it once, at process start, before anything logs.
    """
    if log_format is None:
        log_format = "console" if sys.stderr.isatty() else "json"
    renderer = (
        structlog.processors.JSONRenderer(serializer=_orjson_dumps) if log_format == "json" else _console_renderer()
    )
    shared = [*_SHARED_PROCESSORS, *([_bind_service(service)] if service else [])]
    numeric_level = logging.getLevelName(level) if isinstance(level, str) else level

    # Our own lines skip the stdlib machinery: a log line per request is on the API's
    # hot path, and structlog's native logger renders it several times faster.
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )

    # Libraries' stdlib lines (gunicorn, dramatiq, botocore) come out in the same shape.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    # Replace, not add: dramatiq's CLI and gunicorn install handlers of their own,
    # and two handlers would print every line twice in two formats.
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for name in ("gunicorn.error", "gunicorn.access"):
        gunicorn_logger = logging.getLogger(name)
        gunicorn_logger.handlers[:] = []
        gunicorn_logger.propagate = True
    # botocore's DEBUG/INFO chatter is noise at our level of interest.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
