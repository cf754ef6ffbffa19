"""A loop in a daemon thread: run a step, then wait its interval (or until woken), forever; a step's
error is logged and the loop goes on. The API runs its outbox relay and its reconciler this way."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class Loop:
    """Calls `step` every `interval_s`; a step returning True (more work waiting) runs again at once.

    `due_in_s`, when given, tells after each step how soon work it knows of falls due (None: none
    known): the loop runs then if that is sooner than the interval, so a long interval costs
    nothing while idle and delays nothing it was told of."""

    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        interval_s: float,
        *,
        due_in_s: Callable[[], float | None] | None = None,
    ) -> None:
        self.name = name
        self.step = step
        self.interval_s = interval_s
        self.due_in_s = due_in_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
            log.info("background_loop_started", loop=self.name, interval_s=self.interval_s)

    def wake(self) -> None:
        """Run the next step now rather than at the end of the interval."""
        self._wake.set()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                more = self.step()
            except Exception as exc:  # noqa: BLE001 - a sick database must not end the loop
                log.warning("background_step_failed", loop=self.name, error=f"{type(exc).__name__}: {exc}"[:300])
                more = False
            if not more:
                self._wake.wait(self._next_wait_s())
                self._wake.clear()

    def _next_wait_s(self) -> float:
        due = self.due_in_s() if self.due_in_s is not None else None
        return self.interval_s if due is None else max(0.0, min(due, self.interval_s))
