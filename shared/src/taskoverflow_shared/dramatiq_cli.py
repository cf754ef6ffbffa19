"""`python -m taskoverflow_shared.dramatiq_cli ...`: Dramatiq's command line with our logging set up
first, so that its main process ("booting up", "Sending signal ...") logs in the same format as the
worker processes. The entry point has validated the environment before it execs this."""

from __future__ import annotations

import sys

from dramatiq.cli import main, make_argument_parser

from . import settings
from .logging import configure_logging

if __name__ == "__main__":
    env = settings.environ()
    configure_logging(settings.log_format(env), settings.optional(env, "LOG_LEVEL") or "INFO")
    args = make_argument_parser().parse_args(sys.argv[1:])
    # On SIGHUP Dramatiq re-executes sys.argv; make that this same command, not this file's path.
    sys.argv = [sys.executable, "-m", "taskoverflow_shared.dramatiq_cli", *sys.argv[1:]]
    sys.exit(main(args))
