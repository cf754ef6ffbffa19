"""The whole stack as `make up MODE=local` runs it, on its own ports and state folder, for benchmarks."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from taskoverflow_devstack.json_log import events, wait_for_event
from taskoverflow_devstack.ports import free_port

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass(frozen=True)
class ProcessUsage:
    group: int  # its process group: a supervised program's, the supervisor's, or PostgreSQL's
    cpu_ticks: int
    # Its share of what is resident (PSS): a page shared by n processes counts 1/n in each, so the
    # sum over PostgreSQL's backends or a server's forked workers is what they really hold together.
    proportional_bytes: int
    peak_resident_bytes: int  # the most it held at once (VmHWM; shared pages counted whole)


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, process group, CPU ticks used) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the name: state ppid pgrp ... utime(12) stime(13), counted from state = 0.
    return int(fields[1]), int(fields[2]), int(fields[11]) + int(fields[12])


def _proc_bytes(pid: int, file: str, field: str) -> int:
    """A `field: N kB` line of /proc/<pid>/<file>, in bytes (0 once the process is gone)."""
    try:
        lines = Path(f"/proc/{pid}/{file}").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in lines if line.startswith(f"{field}:")), 0)


def process_tree(root: int) -> dict[int, ProcessUsage]:
    """Every process under `root` (itself included): pid -> its usage."""
    stats = {pid: s for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if (s := _stat(pid))}
    children = defaultdict(list)
    for pid, (ppid, *_) in stats.items():
        children[ppid].append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            _, group, ticks = stats[pid]
            found[pid] = ProcessUsage(
                group, ticks, _proc_bytes(pid, "smaps_rollup", "Pss"), _proc_bytes(pid, "status", "VmHWM")
            )
            todo += children[pid]
    return found


@dataclasses.dataclass(frozen=True)
class LocalStack:
    """A running `make up`: where its API answers, its process, and its log."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def programs(self) -> dict[int, str]:
        """Each supervised program's process group (its main process's pid) -> its name."""
        return {record["pid"]: record["program"] for record in events(self.log, "program_started")}

    def program_of(self, usage: ProcessUsage, names: dict[int, str]) -> str:
        """The name of the program a process of this stack belongs to (PostgreSQL runs unsupervised)."""
        return names.get(usage.group) or ("supervisor" if usage.group == self.process.pid else "postgres")

    def memory(self) -> dict[str, tuple[int, int]]:
        """Each program's memory, summed over its processes: (its proportional share now, PSS; its peak
        resident bytes)."""
        names, memory = self.programs(), defaultdict(lambda: (0, 0))
        for usage in process_tree(self.process.pid).values():
            program = self.program_of(usage, names)
            proportional, peak = memory[program]
            memory[program] = (proportional + usage.proportional_bytes, peak + usage.peak_resident_bytes)
        return dict(memory)


@contextlib.contextmanager
def local_stack(broker: str) -> Iterator[LocalStack]:
    """Start `make up` (local processes, BROKER=broker), yield once the API answers, SIGTERM it after."""
    state = Path(tempfile.mkdtemp(prefix="taskoverflow-bench-"))
    log = state / "up.log"
    port = free_port()
    env = {
        **os.environ,
        "BROKER": broker,
        "PORT": str(port),
        "EMULATOR_PORT": str(free_port()),
        "DEVSTACK_DIR": str(state / "devstack"),
        "LOG_FORMAT": "json",
    }
    for name in ("BROKER_URL", "DATABASE_URL", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    with open(log, "wb") as output:
        up = subprocess.Popen(
            [sys.executable, "-m", "taskoverflow_devstack.run_mode", "up", "--mode", "local"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_event(log, "taskoverflow_up", timeout=240)
        yield LocalStack(f"http://127.0.0.1:{port}", up, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
