"""The WSGI entry point gunicorn loads: logging first, then the app from the environment."""

from __future__ import annotations

from taskoverflow_shared.logging import configure_logging

from .app import create_app
from .config import ApiSettings

_settings = ApiSettings.from_env()
configure_logging(_settings.log_format, _settings.log_level)
app = create_app(_settings)
