"""Group commit for publishing: concurrent publishes leave together, up to ten in one batch call, free of boto3."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait

import structlog

from .notification import Notification

log = structlog.get_logger(__name__)

# SNS's PublishBatch takes at most ten entries.
MAX_BATCH = 10
# How often a waiting publish looks up: to notice a flusher that died, and to let Dramatiq's time
# limit in (an exception set into the thread, delivered only while it runs Python code). It adds no
# latency: a result wakes its waiter at once.
_LOOK_UP_S = 0.5

# One call for the whole batch: one message id, or the exception for that entry alone, per
# notification and in order. Raising fails every notification of the batch.
PublishBatch = Callable[[Sequence[Notification]], Sequence[str | Exception]]


class PublisherStopped(RuntimeError):
    """The flusher is not running (closed, or it died): the notification was not handed to SNS,
    or (when the flusher died during the call) it is not known whether SNS took it."""


_Entry = tuple[Notification, Future[str]]


class BatchingPublisher:
    """A Publisher whose callers block while one flusher thread sends for them.

    The flusher takes whatever is waiting (up to ten) and sends it in one `publish_batch` call;
    publishes arriving during that call form the next batch. A batch that is not full waits up to
    `linger_s` for company (a full one, or a close, sends at once): a call of ten entries costs
    the SNS emulator little more CPU than a call of one (5.3 against 3.8 ms, measured), and boto3
    the same, so fuller batches are cheaper per notification. A caller waits for the linger, the
    call under way (while at most ten wait) and its own, each call bounded by the SNS client's
    timeouts; it gets its own message id, or its own entry's exception, or the whole call's.
    """

    def __init__(self, publish_batch: PublishBatch, *, max_batch: int = MAX_BATCH, linger_s: float = 0.0) -> None:
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be 1 to {MAX_BATCH}, got {max_batch}")
        if linger_s < 0:
            raise ValueError(f"linger_s must not be negative, got {linger_s}")
        self._publish_batch = publish_batch
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._waiting: collections.deque[_Entry] = collections.deque()
        self._flusher: threading.Thread | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        """How many publishes wait for the next batch (not those in the call under way)."""
        with self._lock:
            return len(self._waiting)

    def publish(self, notification: Notification) -> str:
        """Send `notification` with whatever else is waiting; return its message id. Raises when not sent."""
        entry: Future[str] = Future()
        try:
            with self._lock:
                if self._closed:
                    raise PublisherStopped("the publisher is closed")
                self._start_flusher()
                self._waiting.append((notification, entry))
                self._arrived.notify()
            return self._wait_for(entry)
        except BaseException:
            # Dramatiq's time limit or shutdown: the handler lets go of its claim, so a notification
            # sent after that could be sent twice. One not yet taken is withdrawn, never sent.
            with self._lock:
                if entry.cancel():
                    self._waiting = collections.deque(e for e in self._waiting if e[1] is not entry)
            raise

    def close(self, timeout: float | None = None) -> None:
        """Send what is waiting, then stop the flusher; publishing afterwards raises PublisherStopped."""
        with self._lock:
            self._closed = True
            self._arrived.notify_all()
            flusher = self._flusher
        if flusher is not None:
            flusher.join(timeout)

    def _start_flusher(self) -> None:
        # Lazily (after any fork: a thread does not survive one), and again if the last one died.
        # A daemon: at exit no actor thread is left waiting on it, and a process that must exit
        # is not held by a flusher stuck in a call (the SNS client's timeouts end that anyway).
        if self._flusher is not None and self._flusher.is_alive():
            return
        if self._flusher is not None:
            log.warning("sns_batch_flusher_restarted")
        self._flusher = threading.Thread(target=self._run, name="sns-batch-flusher", daemon=True)
        self._flusher.start()

    def _wait_for(self, entry: Future[str]) -> str:
        while True:
            done, _ = wait((entry,), timeout=_LOOK_UP_S)
            if done:
                return entry.result()
            with self._lock:  # no flusher starts, and none takes an entry, meanwhile
                if self._flusher is not None and self._flusher.is_alive():
                    continue
                withdrawn = entry.cancel()
            if withdrawn:
                raise PublisherStopped("the SNS batch flusher stopped before sending this notification")
            if entry.done():
                return entry.result()
            # Taken by a flusher that died without an answer (its own clean-up failed).
            raise PublisherStopped("the SNS batch flusher died during the call: this notification may have been sent")

    def _run(self) -> None:
        batch: list[_Entry] | None = None
        try:
            while (batch := self._next_batch()) is not None:
                self._send(batch)
        except BaseException:
            # A bug (every Exception of a call is its callers'): nobody may be left waiting on this thread.
            log.exception("sns_batch_flusher_died")
            in_call = PublisherStopped(
                "the SNS batch flusher died during the call: the notification may have been sent"
            )
            for _, entry in batch or []:
                if not entry.done():
                    entry.set_exception(in_call)
            queued = PublisherStopped("the SNS batch flusher died before sending this notification")
            with self._lock:
                while self._waiting:
                    _, entry = self._waiting.popleft()
                    if entry.set_running_or_notify_cancel():
                        entry.set_exception(queued)

    def _next_batch(self) -> list[_Entry] | None:
        """What waits (up to max_batch), once something does and the linger is over; None once
        closed and nothing waits."""
        with self._lock:
            while True:
                while not self._waiting and not self._closed:
                    self._arrived.wait()
                if not self._waiting:
                    return None
                # Each publish's notify wakes this wait: it ends once the batch is full.
                deadline = time.monotonic() + self._linger_s
                while len(self._waiting) < self._max_batch and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._arrived.wait(left)
                batch: list[_Entry] = []
                while self._waiting and len(batch) < self._max_batch:
                    notification, entry = self._waiting.popleft()
                    # False for a publish withdrawn meanwhile: it is not sent.
                    if entry.set_running_or_notify_cancel():
                        batch.append((notification, entry))
                if batch:
                    return batch

    def _send(self, batch: list[_Entry]) -> None:
        try:
            results = list(self._publish_batch([notification for notification, _ in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"publish_batch answered {len(results)} results for {len(batch)} notifications")
        except Exception as exc:  # noqa: BLE001 - whatever it is, it is the batch's callers' to raise
            # The whole call failed (a timeout, SNS unreachable, the topic missing): every caller of
            # the batch raises it, as concurrent.futures does, so an outage is still told by its type.
            for _, entry in batch:
                entry.set_exception(exc)
            return
        for (_, entry), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                entry.set_exception(result)
            else:
                entry.set_result(result)
