"""`python -m taskoverflow_calendar_worker`: check the configuration, then run Dramatiq's CLI as the image does."""

from __future__ import annotations

import os
import sys

from taskoverflow_shared.routing import ICAL_QUEUE
from taskoverflow_shared.settings import ConfigError

from .config import WorkerSettings


def main() -> None:
    try:
        settings = WorkerSettings.from_env()
    except ConfigError as exc:
        print(f"calendar-worker: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # Dramatiq reads its consumer timeout from the environment, not from a CLI flag.
    os.environ["dramatiq_worker_timeout"] = str(settings.idle_poll_ms)
    os.execv(
        sys.executable,
        [
            sys.executable, "-m", "dramatiq", "taskoverflow_calendar_worker.actors",
            # Only this service's queue: the broker declares every queue it may send to.
            "--queues", ICAL_QUEUE,
            "--processes", str(settings.processes),
            "--threads", str(settings.threads),
            *sys.argv[1:],
        ],
    )


if __name__ == "__main__":
    main()
