"""What the whole stack costs doing nothing: `make up` (local processes) started, left idle, measured.

    python bench/idle_bench.py [--broker redis|sqs|both] [--seconds 60]

Starts the stack as `make up MODE=local` does (its own ports and state folder), waits until the API
answers, lets it settle, then reads every process's CPU time (/proc) at the start and the end of the
window: the CPU share is their difference over the window's length, per program and in all, with
each program's memory (its proportional set size, PSS: shared pages split among the processes
sharing them, summed over its processes). SIGTERM stops it afterwards.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from local_stack import TICKS_PER_S, local_stack, process_tree

SETTLE_S = 10


def measure(broker: str, seconds: float) -> None:
    with local_stack(broker) as stack:
        time.sleep(SETTLE_S)
        root, names = stack.process.pid, stack.programs()
        before, started = process_tree(root), time.monotonic()
        time.sleep(seconds)
        after, elapsed = process_tree(root), time.monotonic() - started
        cpu: dict[str, float] = defaultdict(float)
        memory: dict[str, int] = defaultdict(int)
        for pid, usage in after.items():
            name = stack.program_of(usage, names)
            earlier = before.get(pid)
            cpu[name] += (usage.cpu_ticks - (earlier.cpu_ticks if earlier else 0)) / TICKS_PER_S / elapsed
            memory[name] += usage.proportional_bytes
    print(f"idle stack, broker {broker}, {elapsed:.0f} s: {100 * sum(cpu.values()):.1f}% of one core")
    for name in sorted(cpu, key=cpu.__getitem__, reverse=True):
        print(f"  {name:16} {100 * cpu[name]:5.1f}%  {memory[name] / 2**20:6.0f} MiB (PSS)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", choices=("redis", "sqs", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    for broker in ("redis", "sqs") if args.broker == "both" else (args.broker,):
        measure(broker, args.seconds)


if __name__ == "__main__":
    main()
