"""`python -m taskoverflow_calendar_worker`: check the configuration, migrate, then run Dramatiq's CLI as the image does."""

from __future__ import annotations

from taskoverflow_shared.entrypoint import exec_dramatiq, migrate_or_exit, settings_or_exit
from taskoverflow_shared.logging import configure_logging
from taskoverflow_shared.routing import ICAL_QUEUE

from .config import SERVICE, WorkerSettings


def main() -> None:
    settings = settings_or_exit(SERVICE, WorkerSettings.from_env)
    configure_logging(settings.log_format, settings.log_level, service=SERVICE)
    migrate_or_exit(SERVICE, settings.database_url)
    exec_dramatiq(
        "taskoverflow_calendar_worker.actors",
        service=SERVICE,
        queue=ICAL_QUEUE,
        settings=settings,
    )


if __name__ == "__main__":
    main()
