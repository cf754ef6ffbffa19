"""Running actors on Dramatiq's stub broker in a test: a real Worker over one queue until it is idle."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker


def consume_until_idle(broker: StubBroker, queue_name: str, *, timeout_ms: int = 30_000) -> None:
    """Process `queue_name` (retries and delayed messages included) until it is empty, in one thread,
    as a service configured with one thread would; dead-lettered messages stay in broker.dead_letters."""
    # Only that queue: what the actor sends to others stays there, for the test to read.
    worker = dramatiq.Worker(broker, queues={queue_name}, worker_timeout=10, worker_threads=1)
    worker.start()
    try:
        broker.join(queue_name, fail_fast=False, timeout=timeout_ms)
        worker.join()
    finally:
        worker.stop()
