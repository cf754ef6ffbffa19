"""`python -m taskoverflow_shared.dramatiq_cli ...`: Dramatiq's command line with our logging set up
first, so that its main process ("booting up", "Sending signal ...") logs in the same format as the
worker processes. The entry point has validated the environment before it execs this."""

from __future__ import annotations

import sys

from dramatiq.cli import main, make_argument_parser

from .logging import configure_logging
from .settings import LoggingSettings

if __name__ == "__main__":
    logging_settings = LoggingSettings.from_env()
    configure_logging(logging_settings.log_format, logging_settings.log_level)
    args = make_argument_parser().parse_args(sys.argv[1:])  # type: ignore[no-untyped-call]
    # On SIGHUP Dramatiq re-executes sys.argv; make that this same command, not this file's path.
    sys.argv = [sys.executable, "-m", "taskoverflow_shared.dramatiq_cli", *sys.argv[1:]]
    sys.exit(main(args))  # type: ignore[no-untyped-call]
