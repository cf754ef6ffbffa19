"""The Redis broker's wake-up signal on a real Redis: idle workers do not poll, and still take every job."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import dramatiq
import pytest
import redis
from dramatiq.middleware import Retries

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.redis_wakeup import WakingRedisBroker

pytestmark = pytest.mark.integration

# Twice any wait below: a job picked up in time was woken, not found by a periodic look. (Not
# longer: Dramatiq's worker threads, too, notice a stop only this often.)
IDLE_TIMEOUT_MS = 10_000
PICKED_UP_WITHIN_S = IDLE_TIMEOUT_MS / 1000 / 2
QUEUE = "wakeup-test"


@pytest.fixture
def broker(redis_url: str) -> Iterator[WakingRedisBroker]:
    broker = WakingRedisBroker(url=redis_url, namespace=f"wakeup-{time.monotonic_ns()}", middleware=[Retries()])
    yield broker
    broker.flush_all()
    broker.close()


def start_worker(broker: WakingRedisBroker, *, threads: int = 1) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_timeout=IDLE_TIMEOUT_MS, worker_threads=threads)
    worker.start()
    return worker


def fetches(client: redis.Redis) -> int:
    """How many times any client has run a script (Dramatiq's fetch is one) on this server."""
    stats = client.info("commandstats")
    return sum(int(stats.get(name, {}).get("calls", 0)) for name in ("cmdstat_evalsha", "cmdstat_eval"))


def test_an_idle_worker_does_not_poll_redis(broker: WakingRedisBroker) -> None:
    # Given a worker with nothing to do (one consumer on the queue, one on its delay queue)
    done = threading.Event()
    dramatiq.actor(lambda: done.set(), broker=broker, actor_name="noop", queue_name=QUEUE)
    worker = start_worker(broker)
    try:
        broker.client.ping()
        before = fetches(broker.client)
        # When two seconds pass (Dramatiq's 10 ms polling would run ~400 fetches)
        time.sleep(2)
        # Then it has looked at its queues at most a few times (other tests' servers may share Redis)
        assert fetches(broker.client) - before < 20
    finally:
        worker.stop()


def test_a_send_wakes_an_idle_worker(broker: WakingRedisBroker) -> None:
    # Given an idle worker that would look at its queue again only after 10 s
    seen: list[int] = []
    dramatiq.actor(seen.append, broker=broker, actor_name="record", queue_name=QUEUE)
    worker = start_worker(broker)
    try:
        time.sleep(0.5)  # asleep on the channel
        # When messages are sent one by one, each after the worker went back to sleep
        for n in range(3):
            broker.enqueue(dramatiq.Message(queue_name=QUEUE, actor_name="record", args=(n,), kwargs={}, options={}))
            # Then each is handled long before the worker's next look
            wait_until(lambda n=n: n in seen, timeout=PICKED_UP_WITHIN_S, what=f"message {n}")
    finally:
        worker.stop()
    assert seen == [0, 1, 2]


def test_a_burst_larger_than_the_prefetch_is_handled_whole(broker: WakingRedisBroker) -> None:
    # Given a worker whose prefetch (2 per thread) is far smaller than the burst
    seen: list[int] = []
    lock = threading.Lock()

    def record(n: int) -> None:
        with lock:
            seen.append(n)

    dramatiq.actor(record, broker=broker, actor_name="record", queue_name=QUEUE)
    worker = start_worker(broker, threads=2)
    try:
        # When 200 are sent at once: freed slots, not the next periodic look, pull the rest in
        for n in range(200):
            broker.enqueue(dramatiq.Message(queue_name=QUEUE, actor_name="record", args=(n,), kwargs={}, options={}))
        wait_until(lambda: len(seen) == 200, timeout=PICKED_UP_WITHIN_S, what="200 messages")
    finally:
        worker.stop()
    assert sorted(seen) == list(range(200))


def test_a_retry_after_its_delay_is_woken_too(broker: WakingRedisBroker) -> None:
    # Given an actor that fails once: its retry goes through the delay queue
    attempts: list[int] = []

    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    dramatiq.actor(flaky, broker=broker, actor_name="flaky", queue_name=QUEUE, min_backoff=100, max_backoff=200)
    worker = start_worker(broker)
    try:
        broker.enqueue(dramatiq.Message(queue_name=QUEUE, actor_name="flaky", args=(), kwargs={}, options={}))
        # Then the second attempt runs, without waiting for the idle look
        wait_until(lambda: len(attempts) == 2, timeout=PICKED_UP_WITHIN_S, what="the retry")
    finally:
        worker.stop()


def test_a_failed_wakeup_does_not_fail_the_send(broker: WakingRedisBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a Redis that refuses the wake-up (the message itself is already queued by then)
    def refuse(*args: object, **kwargs: object) -> None:
        raise redis.ConnectionError("publish refused")

    monkeypatch.setattr(broker.client, "publish", refuse)
    # When a message is sent, then the send succeeds and the message is on its queue
    broker.enqueue(dramatiq.Message(queue_name=QUEUE, actor_name="noop", args=(), kwargs={}, options={}))
    assert broker.client.llen(f"{broker.namespace}:{QUEUE}") == 1
