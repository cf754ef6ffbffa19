"""The background loop: a failing step does not end it, a woken loop runs at once, work known to fall
due runs then, stop ends it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from taskoverflow_shared.background import Loop


def counting_step() -> tuple[threading.Semaphore, Callable[[], bool]]:
    """A step that counts its runs on the semaphore and never has more work."""
    ran = threading.Semaphore(0)

    def step() -> bool:
        ran.release()
        return False

    return ran, step


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
    ran, step = counting_step()
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


@pytest.mark.parametrize(
    ("interval_s", "due_in_s"),
    [(3600, 0.05), (0.05, 3600)],
    ids=["work-due-before-the-interval", "interval-before-the-work-is-due"],
)
def test_the_next_step_comes_at_the_sooner_of_the_interval_and_the_known_work_falling_due(
    interval_s: float, due_in_s: float
) -> None:
    ran, step = counting_step()
    # One of the two is far longer than the test: only the other can bring the second run.
    loop = Loop("test", step, interval_s=interval_s, due_in_s=lambda: due_in_s)
    loop.start()
    try:
        assert ran.acquire(timeout=5)
        assert ran.acquire(timeout=5)
    finally:
        loop.stop()
