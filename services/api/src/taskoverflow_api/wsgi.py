"""The WSGI module gunicorn loads in each worker (`taskoverflow_api.wsgi:app`): logging, then the app
as bootstrap.py wires it, from the settings the process already read."""

from __future__ import annotations

from taskoverflow_shared.logging import configure_logging

from .bootstrap import bootstrap, settings
from .config import SERVICE

configure_logging(settings().log_format, settings().log_level, service=SERVICE)
app = bootstrap(settings())
