"""The WSGI module gunicorn loads in each worker (`taskoverflow_api.wsgi:app`): logging, then the app
as bootstrap.py wires it, from the settings the process already read, and its background loops (the
outbox relay and the reconciler: one of each per worker, safe side by side)."""

from __future__ import annotations

from taskoverflow_shared.logging import configure_logging

from .bootstrap import bootstrap, settings, start_background
from .config import SERVICE

configure_logging(settings().log_format, settings().log_level, service=SERVICE)
app = bootstrap(settings())
start_background(app)
