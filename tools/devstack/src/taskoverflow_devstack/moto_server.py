"""moto's server (`python -m taskoverflow_devstack.moto_server -H HOST -p PORT`), its SQS receives made atomic.

moto serves each request in a thread, and its `receive_message` checks a message's visibility and
marks it received without a lock, from a snapshot of the FIFO groups in flight taken when the call
began: two long polls at once can both take the same message, or two messages of one FIFO group.
And a long poll on a FIFO queue whose only visible messages belong to a group in flight spins,
holding the GIL, so the delete that would free the group waits; past the visibility timeout the
message comes back. SQS does neither. The queue demo's two-subscriber FIFO test saw 61 arrivals of
60 messages once, on a loaded machine; six receivers sharing one FIFO group of 150 messages took
52-91 s on plain moto (once with a message twice, at a 2 s visibility timeout) and 6-11 s here,
each message once. Here each attempt to take messages runs under one lock with a fresh look at the
groups in flight, and a poll that finds only such a group pauses before its next attempt; the
waiting in between holds no lock, so receivers still wait together.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from moto.server import main
from moto.sqs.models import SQSBackend

_TAKING = threading.Lock()
# How long a long poll waits for a send between two attempts (moto's own loop waits a second).
_WAIT_SLICE_S = 1.0
# moto's wait ends at once while any message is visible, even one of a FIFO group in flight that
# no attempt may take: then the next attempt comes after this pause, not in a spin.
_BLOCKED_PAUSE_S = 0.02


def _atomic_receives() -> None:
    take = SQSBackend.receive_message

    @functools.wraps(take)
    def receive_message(
        self: SQSBackend, queue_name: str, count: int, wait_seconds_timeout: int, *args: Any, **kwargs: Any
    ) -> Any:
        deadline = time.monotonic() + wait_seconds_timeout
        while True:
            with _TAKING:
                taken = take(self, queue_name, count, 0, *args, **kwargs)
            remaining = deadline - time.monotonic()
            if taken or remaining <= 0:
                return taken
            waited = time.monotonic()
            self.get_queue(queue_name).wait_for_messages(min(remaining, _WAIT_SLICE_S))
            if time.monotonic() - waited < _BLOCKED_PAUSE_S:
                time.sleep(_BLOCKED_PAUSE_S)

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    # A delete or a visibility change between an attempt's look and its mark would race it too.
    for name in ("delete_message", "change_message_visibility"):
        original = getattr(SQSBackend, name)
        setattr(SQSBackend, name, _under_lock(original))


def _under_lock(method: Any) -> Any:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _TAKING:
            return method(*args, **kwargs)

    return locked


if __name__ == "__main__":
    _atomic_receives()
    main()
