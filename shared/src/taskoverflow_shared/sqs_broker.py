"""dramatiq-sqs's broker, with a body that is not a Dramatiq message moved to the dead-letter queue at
its first receive. dramatiq-sqs itself only logs such a body and leaves it, so it came back every
visibility timeout until SQS's own redrive took it (5 receives x 300 s: 25 minutes)."""

from __future__ import annotations

from base64 import b64decode
from collections.abc import Iterator
from typing import Any

import dramatiq
import structlog
from dramatiq_sqs import SQSBroker

log = structlog.get_logger(__name__)


def is_dramatiq_message(body: str) -> bool:
    """Whether an SQS body is what dramatiq-sqs sends: a base64-encoded Dramatiq message."""
    try:
        dramatiq.Message.decode(b64decode(body, validate=True))
    except Exception:  # noqa: BLE001 - whatever the decoder raises, the body is not a message
        return False
    return True


class _PoisonFilteringQueue:
    """An SQS queue resource whose receive_messages moves undecodable bodies to the dead-letter queue."""

    def __init__(self, queue: Any, dead_letter_queue: Any) -> None:
        self._queue = queue
        self._dead_letter_queue = dead_letter_queue

    def receive_messages(self, **kwargs: Any) -> Iterator[Any]:
        for sqs_message in self._queue.receive_messages(**kwargs):
            if is_dramatiq_message(sqs_message.body):
                yield sqs_message
                continue
            # Sent before the delete: a crash in between leaves a copy in each queue, never none.
            self._dead_letter_queue.send_message(MessageBody=sqs_message.body)
            sqs_message.delete()
            log.error("message_undecodable_dead_lettered", queue=self._queue.url, body=sqs_message.body[:200])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)


class PoisonAwareSQSBroker(SQSBroker):  # type: ignore[misc]  # dramatiq-sqs ships no type hints
    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 20_000) -> dramatiq.Consumer:
        consumer = super().consume(queue_name, prefetch, timeout)
        if consumer.dead_letter_queue is not None:
            consumer.queue = _PoisonFilteringQueue(consumer.queue, consumer.dead_letter_queue)
        return consumer  # type: ignore[no-any-return]
