"""The Flask application from its dependencies: blueprints (the API's and the web page's), error handlers,
the request-id middleware.

Which adapters it gets is bootstrap.py's business; a new resource registers its blueprint here.
"""

from __future__ import annotations

from flask import Flask

from . import errors, health, openapi, request_context
from .calendar_feeds import routes as calendar_feed_routes
from .calendar_jobs import routes as calendar_job_routes
from .dependencies import Dependencies, install
from .todos import routes as todo_routes
from .web import routes as web_routes

MAX_BODY_BYTES = 1024 * 1024


def create_app(dependencies: Dependencies) -> Flask:
    # No Flask static route: the web page blueprint serves its own files, with its own headers.
    app = Flask(__name__, static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    install(app, dependencies)
    app.wsgi_app = request_context.RequestContextMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    errors.register_error_handlers(app)
    app.register_blueprint(health.blueprint)
    # Before the todos blueprint: /todos/ical must not read as a todo id.
    app.register_blueprint(calendar_job_routes.blueprint)
    app.register_blueprint(todo_routes.blueprint)
    app.register_blueprint(calendar_feed_routes.blueprint)
    app.register_blueprint(openapi.blueprint)
    # The page for people (not API operations: not in the OpenAPI document).
    app.register_blueprint(web_routes.blueprint)
    return app
