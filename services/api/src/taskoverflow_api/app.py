"""The Flask application factory: the one place real adapters are wired in."""

from __future__ import annotations

from typing import Any

import dramatiq
from flask import Flask

from taskoverflow_shared.broker import set_up_broker
from taskoverflow_shared.db import Database

from . import errors, health, openapi, request_context
from .calendar_jobs import routes as calendar_job_routes
from .calendar_jobs.repository import CalendarJobRepository
from .config import ApiSettings
from .todos import routes as todo_routes
from .todos.repository import TodoRepository

MAX_BODY_BYTES = 1024 * 1024


def create_app(
    settings: ApiSettings | None = None,
    *,
    database: Database | None = None,
    broker: dramatiq.Broker | None = None,
    **overrides: Any,
) -> Flask:
    """Build the app; `settings` default to the environment, `database` to a pool on its
    URL, `broker` to the one BROKER_URL names (none: calendar export answers 503)."""
    settings = settings or ApiSettings.from_env()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, **overrides)
    app.extensions["taskoverflow.settings"] = settings

    if database is None:
        # The schema is migrated by the entry point (`python -m taskoverflow_api`), before it forks.
        database = Database(settings.database_url, max_connections=settings.db_pool_size)
    app.extensions["taskoverflow.db"] = database
    app.extensions["taskoverflow.todos"] = TodoRepository(database)
    app.extensions["taskoverflow.calendar_jobs"] = CalendarJobRepository(database)
    if broker is None and settings.broker is not None:
        broker = set_up_broker(settings.broker)
    app.extensions["taskoverflow.broker"] = broker

    app.wsgi_app = request_context.RequestContextMiddleware(app.wsgi_app)
    errors.register_error_handlers(app)
    app.register_blueprint(health.blueprint)
    # Before the todos blueprint: /todos/ical must not read as a todo id.
    app.register_blueprint(calendar_job_routes.blueprint)
    app.register_blueprint(todo_routes.blueprint)
    app.register_blueprint(openapi.blueprint)
    return app
