"""`python -m taskoverflow_shared.dramatiq_cli --service NAME ...`: Dramatiq's command line with our
logging set up first, so that its main process ("booting up", "Sending signal ...") logs in the same
format as the worker processes, and with the workers writing their own lines. The entry point has
validated the environment before it execs this."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import dramatiq.cli
from dramatiq.cli import main, make_argument_parser

from .logging import configure_logging
from .settings import LoggingSettings


def _worker_logging(args: Any, child_id: int, logging_pipe: Any) -> logging.Logger:
    """Dramatiq's own set-up points each worker process's stdout and stderr at a pipe that its main
    process copies to its stderr: every line of every job would pass through a second process. Our
    workers write their lines to the stderr they inherited instead (one write a line, as gunicorn's
    workers do); the main process's own lines are unchanged."""
    return logging.getLogger(f"dramatiq.WorkerProcess({child_id})")


if __name__ == "__main__":
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--service", required=True)
    known, dramatiq_argv = ours.parse_known_args(sys.argv[1:])
    logging_settings = LoggingSettings.from_env()
    configure_logging(logging_settings.log_format, logging_settings.log_level, service=known.service)
    dramatiq.cli.setup_worker_logging = _worker_logging  # the workers are forked: they see this
    args = make_argument_parser().parse_args(dramatiq_argv)  # type: ignore[no-untyped-call]
    # On SIGHUP Dramatiq re-executes sys.argv; make that this same command, not this file's path.
    sys.argv = [sys.executable, "-m", "taskoverflow_shared.dramatiq_cli", *sys.argv[1:]]
    sys.exit(main(args))  # type: ignore[no-untyped-call]
