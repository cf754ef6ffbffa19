"""The background loop: a failing step does not end it, a woken loop runs at once, work known to fall
due runs then, stop ends it."""

from __future__ import annotations

import threading

from taskoverflow_shared.background import Loop


def test_a_failing_step_is_logged_and_the_loop_goes_on() -> None:
    calls: list[int] = []
    third = threading.Event()

    def step() -> bool:
        calls.append(1)
        if len(calls) == 3:
            third.set()
        if len(calls) == 1:
            raise ConnectionError("database away")
        return False

    loop = Loop("test", step, interval_s=0.01)
    loop.start()
    try:
        assert third.wait(5)
    finally:
        loop.stop()


def test_wake_runs_the_next_step_without_waiting_the_interval() -> None:
    ran = threading.Semaphore(0)

    def step() -> bool:
        ran.release()
        return False

    # An interval far longer than the test: only wake() can make the second step happen.
    loop = Loop("test", step, interval_s=3600)
    loop.start()
    try:
        assert ran.acquire(timeout=5)
        loop.wake()
        assert ran.acquire(timeout=5)
    finally:
        loop.stop()


def test_a_step_with_more_work_runs_again_at_once_and_stop_ends_the_loop() -> None:
    remaining = [3]
    drained = threading.Event()

    def step() -> bool:
        remaining[0] -= 1
        if remaining[0] == 0:
            drained.set()
        return remaining[0] > 0

    loop = Loop("test", step, interval_s=3600)
    loop.start()
    assert drained.wait(5)
    loop.stop()

    assert loop._thread is not None and not loop._thread.is_alive()


def test_a_step_runs_again_when_its_known_work_falls_due_not_after_the_interval() -> None:
    ran = threading.Semaphore(0)

    def step() -> bool:
        ran.release()
        return False

    # An interval far longer than the test: only the step's own due time can bring the second run.
    loop = Loop("test", step, interval_s=3600, due_in_s=lambda: 0.05)
    loop.start()
    try:
        assert ran.acquire(timeout=5)
        assert ran.acquire(timeout=5)
    finally:
        loop.stop()


def test_work_due_later_than_the_interval_waits_only_the_interval() -> None:
    ran = threading.Semaphore(0)

    def step() -> bool:
        ran.release()
        return False

    loop = Loop("test", step, interval_s=0.05, due_in_s=lambda: 3600)
    loop.start()
    try:
        assert ran.acquire(timeout=5)
        assert ran.acquire(timeout=5)
    finally:
        loop.stop()
