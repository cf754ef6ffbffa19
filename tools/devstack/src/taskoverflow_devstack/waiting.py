"""The one way tests, fixtures and `make up` wait for something that becomes true: poll, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    check: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = 0.05,
    ignoring: tuple[type[BaseException], ...] = (),
) -> T:
    """Call `check` until it returns something truthy, and return that; TimeoutError after `timeout` s.

    An exception in `ignoring` counts as "not yet" (a server that does not answer while it starts);
    any other propagates at once, so a check that can never succeed fails fast.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            last = check()
        except ignoring as exc:
            last = exc
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s (last seen: {_short(last)})")
        time.sleep(interval)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 300 else f"{text[:300]}..."
