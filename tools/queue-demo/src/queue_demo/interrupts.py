"""Ctrl-C and SIGTERM as KeyboardInterrupt, held back while a message is being shown and deleted."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_INTERRUPTED = 130  # what a shell reports for a command stopped by Ctrl-C


class Interrupts:
    """Raises KeyboardInterrupt on SIGINT or SIGTERM, except inside held()."""

    def __init__(self) -> None:
        self._holding = False
        self._pending = False

    def install(self) -> None:
        # A shell that starts us with SIGINT ignored (nohup, a background job)
        # meant it: leave it ignored.
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._on_signal)
        # In a container the tool is PID 1, where SIGTERM has no default action:
        # without a handler `docker stop` would wait, then kill it mid-summary.
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        # A second signal while one is held means "now", even mid-message.
        if self._holding and not self._pending:
            self._pending = True
            return
        raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Delay a stop until the block is done.

        Stopping halfway through printing makes rich print the line again with
        the next output, and stopping between print and delete brings the
        message back later: both would show as duplicates that never were.
        """
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt
