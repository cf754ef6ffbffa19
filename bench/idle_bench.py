"""What the whole stack costs doing nothing: `make up` (local processes) started, left idle, measured.

    python bench/idle_bench.py [--broker redis|sqs|both] [--seconds 60]

Starts the stack as `make up MODE=local` does (its own ports and state folder), waits until the API
answers, lets it settle, then reads every process's CPU time (/proc) at the start and the end of the
window: the CPU share is their difference over the window's length, per program and in all, with
each program's memory (resident set, summed over its processes). SIGTERM stops it afterwards.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

from local_stack import local_stack

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
SETTLE_S = 10


def _stat(pid: int) -> tuple[int, int, int, int] | None:
    """(parent pid, process group, CPU ticks used, resident pages) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the name: state ppid pgrp ... utime(12) stime(13) ... rss(22), counted from state = 0.
    return int(fields[1]), int(fields[2]), int(fields[11]) + int(fields[12]), int(fields[21])


def _tree(root: int) -> dict[int, tuple[int, int, int]]:
    """Every process under `root` (itself included): pid -> (group, CPU ticks, resident pages)."""
    stats = {pid: s for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if (s := _stat(pid))}
    children = defaultdict(list)
    for pid, (ppid, *_rest) in stats.items():
        children[ppid].append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            found[pid] = stats[pid][1:]
            todo += children[pid]
    return found


def measure(broker: str, seconds: float) -> None:
    with local_stack(broker) as stack:
        time.sleep(SETTLE_S)
        root, names = stack.process.pid, stack.programs()
        before, started = _tree(root), time.monotonic()
        time.sleep(seconds)
        after, elapsed = _tree(root), time.monotonic() - started
    cpu: dict[str, float] = defaultdict(float)
    rss: dict[str, int] = defaultdict(int)
    for pid, (group, ticks, pages) in after.items():
        name = names.get(group) or ("supervisor" if group == root else "postgres")
        cpu[name] += (ticks - before.get(pid, (group, 0, 0))[1]) / TICKS_PER_S / elapsed
        rss[name] += pages * PAGE_BYTES
    print(f"idle stack, broker {broker}, {elapsed:.0f} s: {100 * sum(cpu.values()):.1f}% of one core")
    for name in sorted(cpu, key=cpu.__getitem__, reverse=True):
        print(f"  {name:16} {100 * cpu[name]:5.1f}%  {rss[name] / 2**20:6.0f} MiB resident")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", choices=("redis", "sqs", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    for broker in ("redis", "sqs") if args.broker == "both" else (args.broker,):
        measure(broker, args.seconds)


if __name__ == "__main__":
    main()
