"""The module Dramatiq's CLI imports in each worker process (`dramatiq taskoverflow_notifier.actors`).

A shim: settings once, logging, then the notifier as bootstrap.py wires it (the broker first, so
the actor binds to it).
"""

from __future__ import annotations

from taskoverflow_shared.logging import configure_logging

from .bootstrap import bootstrap
from .config import SERVICE, NotifierSettings

settings = NotifierSettings.from_env()
configure_logging(settings.log_format, settings.log_level, service=SERVICE)
notifier = bootstrap(settings)
