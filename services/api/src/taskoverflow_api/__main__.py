"""`python -m taskoverflow_api`: check the configuration, migrate, then run gunicorn as the image does."""

from __future__ import annotations

import os
import sys

from taskoverflow_shared.entrypoint import migrate_or_exit, settings_or_exit
from taskoverflow_shared.logging import configure_logging

from .config import SERVICE, ApiSettings


def main() -> None:
    settings = settings_or_exit("taskoverflow-api", ApiSettings.from_env)
    # Before anything logs: the migrations' lines come out in the same format as the server's.
    configure_logging(settings.log_format, settings.log_level, service=SERVICE)
    # Once, before gunicorn forks its workers.
    migrate_or_exit("taskoverflow-api", settings.database_url)
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", "python:taskoverflow_api.gunicorn_conf"]
    os.execv(sys.executable, [*gunicorn, *sys.argv[1:], "taskoverflow_api.wsgi:app"])


if __name__ == "__main__":
    main()
