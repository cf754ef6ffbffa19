"""Dramatiq's Redis broker with a wake-up signal: an idle consumer sleeps until a message is sent.

Dramatiq's Redis consumer polls: after an empty fetch it sleeps up to its idle timeout and fetches
again. A short timeout (10 ms) picks a job up at once but costs ~14% of a core per worker process
doing nothing; a long one (1 s) costs nothing but lets a job wait up to a second. Here every send
also publishes on the queue's wake-up channel, and an idle consumer blocks on that channel instead
of sleeping: it reacts within a round trip and costs nothing while idle. The wake-up is a hint, not
the delivery: the message is in the queue before it is published, a consumer still looks at its
queue at least every idle timeout, so a lost or failed publish delays a job by at most that.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import dramatiq
import redis
import structlog
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import current_millis, dq_name
from dramatiq.errors import ConnectionClosed

log = structlog.get_logger(__name__)

# How often a waiting consumer checks whether its worker is stopping.
STOP_CHECK_S = 0.25


def wakeup_channel(namespace: str, queue_name: str) -> str:
    """The Pub/Sub channel a consumer of `queue_name` listens on while it has nothing to do."""
    return f"{namespace}:{queue_name}:wakeup"


class WakingRedisBroker(RedisBroker):
    """A RedisBroker whose sends wake idle consumers (see the module's docstring)."""

    @property
    def consumer_class(self) -> type[_WakingConsumer]:
        return _WakingConsumer

    def enqueue(self, message: dramatiq.Message[Any], *, delay: int | None = None) -> dramatiq.Message[Any]:
        enqueued: dramatiq.Message[Any] = super().enqueue(message, delay=delay)
        # A delayed message goes to the delay queue first: its consumer holds it until its time.
        queue_name = message.queue_name if delay is None else dq_name(message.queue_name)
        try:
            self.client.publish(wakeup_channel(self.namespace, queue_name), b"")
        except redis.RedisError as exc:
            # Sent all the same: a consumer finds it at its next look, within its idle timeout.
            log.warning("wakeup_not_published", queue=queue_name, error=str(exc))
        return enqueued


class _WakingConsumer(_RedisConsumer):
    """Fetches like Dramatiq's; waits on the queue's wake-up channel (or a freed slot) instead of polling."""

    def __init__(self, broker: WakingRedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)  # type: ignore[no-untyped-call]
        # Set by a worker thread's ack or nack: a prefetch slot is free, so fetch again.
        self._slot_freed = threading.Event()
        # When each delayed message this consumer holds is due (Dramatiq's consumer thread sends it on
        # then, between two of our returns): no wait may run past the earliest.
        self._due_ms: dict[str, int] = {}
        self._due_lock = threading.Lock()
        try:
            self._pubsub = broker.client.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(wakeup_channel(broker.namespace, queue_name))
            # Subscribed before the first fetch (its confirmation read), so no send can fall between
            # an empty fetch and the wait that follows it.
            self._pubsub.get_message(timeout=None)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise ConnectionClosed(exc) from None  # type: ignore[no-untyped-call]

    def ack(self, message: dramatiq.MessageProxy) -> None:
        try:
            super().ack(message)  # type: ignore[no-untyped-call]
        finally:
            self._settled(message)

    def nack(self, message: dramatiq.MessageProxy) -> None:
        try:
            super().nack(message)  # type: ignore[no-untyped-call]
        finally:
            self._settled(message)

    def _settled(self, message: dramatiq.MessageProxy) -> None:
        with self._due_lock:
            self._due_ms.pop(message.message_id, None)
        self._slot_freed.set()

    def __next__(self) -> dramatiq.MessageProxy | None:
        if not self.message_cache:
            # Cleared before counting: an ack landing in between then still ends the wait below.
            self._slot_freed.clear()
            full = self.outstanding_message_count >= self.prefetch
            if not full:
                self.message_cache = self._fetch()
            if not self.message_cache:
                self._wait(for_slot=full)
                return None
        self.misses = 0  # so super() below, with a message at hand, never sleeps
        message: dramatiq.MessageProxy | None = super().__next__()  # type: ignore[no-untyped-call]
        eta = message.options.get("eta") if message is not None else None
        if message is not None and isinstance(eta, int | float):
            with self._due_lock:
                self._due_ms[message.message_id] = int(eta)
        return message

    def _fetch(self) -> list[bytes]:
        try:
            fetched: list[bytes] | None = self.broker.do_fetch(
                self.queue_name, self.prefetch - self.outstanding_message_count
            )
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise ConnectionClosed(exc) from None  # type: ignore[no-untyped-call]
        return fetched or []

    def _wait(self, *, for_slot: bool) -> None:
        """Until a send wakes us, a slot is freed (all taken) or a held message is due: at most the idle timeout."""
        deadline = time.monotonic() + self.timeout / 1000
        with self._due_lock:
            if self._due_ms:
                deadline = min(deadline, time.monotonic() + (min(self._due_ms.values()) - current_millis()) / 1000)
        consumer_thread = threading.current_thread()
        # In slices: Dramatiq stops its consumer thread by a flag it reads between our returns, so a
        # stopping worker waits at most a slice, whatever the idle timeout (no Redis command is sent).
        while (remaining := deadline - time.monotonic()) > 0 and getattr(consumer_thread, "running", True):
            slice_s = min(remaining, STOP_CHECK_S)
            if for_slot:
                if self._slot_freed.wait(slice_s):
                    return
                continue
            try:
                if self._pubsub.get_message(timeout=slice_s) is not None:
                    # A burst of sends: one fetch serves them all.
                    while self._pubsub.get_message(timeout=0) is not None:
                        pass
                    return
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                raise ConnectionClosed(exc) from None  # type: ignore[no-untyped-call]

    def close(self) -> None:
        with contextlib.suppress(redis.RedisError):
            self._pubsub.close()
        super().close()
