"""A worker's liveness for its container's health check: each worker process touches a file whenever
its consumer comes back from polling the broker (with a message, or empty after the idle poll), and
`python -m taskoverflow_shared.heartbeat` is healthy while every worker process has done so lately.
A process that cannot reach its broker, or whose consumer is stuck, stops beating.

Standard library only: the health check runs this every few seconds, and importing Dramatiq would
cost it ten times as long. The middleware that beats is in heartbeat_middleware.py."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One write per process at most this often: a consumer comes back from every idle poll (1 s on SQS).
BEAT_EVERY_S = 5.0
DEFAULT_MAX_AGE_S = 60.0
_SUFFIX = ".beat"


class Beat:
    """This process's heartbeat file, `<directory>/<pid>.beat`, touched at most every BEAT_EVERY_S."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._last = float("-inf")

    @property
    def path(self) -> Path:
        # Read each time: the worker processes are forked after this object is made.
        return self.directory / f"{os.getpid()}{_SUFFIX}"

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last >= BEAT_EVERY_S:
            self._last = now
            self.path.touch()

    def stop(self) -> None:
        self.path.unlink(missing_ok=True)


def reset(directory: str | Path) -> None:
    """An empty heartbeat directory, before the worker processes start."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f"*{_SUFFIX}"):
        stale.unlink(missing_ok=True)


def check(directory: str | Path, max_age_s: float = DEFAULT_MAX_AGE_S) -> tuple[bool, str]:
    """(healthy, why): healthy when at least one worker process beat, and each within `max_age_s`."""
    now = time.time()
    ages = {}
    for beat_file in Path(directory).glob(f"*{_SUFFIX}"):
        try:
            ages[beat_file.stem] = now - beat_file.stat().st_mtime
        except FileNotFoundError:  # its process shut down while we looked
            continue
    if not ages:
        return False, f"no worker process has polled its queue yet (no heartbeat in {directory})"
    stale = {pid: age for pid, age in sorted(ages.items()) if age > max_age_s}
    if stale:
        late = ", ".join(f"PID {pid} {age:.0f} s ago" for pid, age in stale.items())
        return False, f"worker process not polling its queue: {late} (limit {max_age_s:.0f} s)"
    return True, f"{len(ages)} worker process(es) polled their queue within {max_age_s:.0f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taskoverflow_shared.heartbeat", description=__doc__)
    parser.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE_S, help="seconds (default %(default)s)")
    args = parser.parse_args(argv)
    directory = os.environ.get("HEARTBEAT_DIR", "").strip()
    if not directory:
        print("HEARTBEAT_DIR is not set: this process writes no heartbeat", file=sys.stderr)
        return 1
    healthy, why = check(directory, args.max_age)
    print(why, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
