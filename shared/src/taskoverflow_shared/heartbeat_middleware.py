"""The Dramatiq middleware behind a worker's heartbeat (heartbeat.py): each time this process's
consumer comes back from a poll of the broker, the process's heartbeat file is touched."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import dramatiq

from .heartbeat import Beat


class Heartbeat(dramatiq.Middleware):
    def __init__(self, directory: str | Path) -> None:
        self.beat = Beat(directory)

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        # Dramatiq has no hook for a consumer's poll, so the consumers this process opens are wrapped.
        consume = broker.consume

        def consume_and_beat(*args: Any, **kwargs: Any) -> dramatiq.Consumer:
            return _BeatingConsumer(consume(*args, **kwargs), self.beat)

        broker.consume = consume_and_beat  # type: ignore[method-assign]

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.beat.stop()


class _BeatingConsumer(dramatiq.Consumer):
    """The broker's consumer, unchanged, except that each return from `__next__` is a beat.

    Every method delegates explicitly: the base class's ack and nack only raise NotImplementedError."""

    def __init__(self, consumer: dramatiq.Consumer, beat: Callable[[], None]) -> None:
        self._consumer = consumer
        self._beat = beat

    def __iter__(self) -> _BeatingConsumer:
        return self

    def __next__(self) -> dramatiq.MessageProxy | None:
        message = next(self._consumer)
        self._beat()
        return message

    def ack(self, message: dramatiq.MessageProxy) -> None:
        self._consumer.ack(message)

    def nack(self, message: dramatiq.MessageProxy) -> None:
        self._consumer.nack(message)

    def requeue(self, messages: Iterable[dramatiq.MessageProxy]) -> None:
        self._consumer.requeue(messages)

    def close(self) -> None:
        self._consumer.close()

    def __getattr__(self, name: str) -> Any:  # anything else a broker's consumer offers (dramatiq-sqs's own)
        return getattr(self._consumer, name)
