"""The calendar-worker's consumer settings: what a service started with none of them set does."""

from __future__ import annotations

from taskoverflow_calendar_worker.config import WorkerConsumerSettings


def test_an_idle_worker_looks_at_its_queue_every_second_unless_told() -> None:
    # (SQS long-polls that long; on Redis a send wakes it at once: shared/tests/test_redis_wakeup.py)
    assert WorkerConsumerSettings.from_env({}).idle_poll_ms == 1_000
    assert WorkerConsumerSettings.from_env({"WORKER_IDLE_POLL_MS": "250"}).idle_poll_ms == 250
