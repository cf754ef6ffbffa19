"""The whole stack as `make up MODE=local` runs it, on its own ports and state folder, for benchmarks."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from taskoverflow_devstack.json_log import events, wait_for_event
from taskoverflow_devstack.ports import free_port


@dataclasses.dataclass(frozen=True)
class LocalStack:
    """A running `make up`: where its API answers, its process, and its log."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def programs(self) -> dict[int, str]:
        """Each supervised program's process group (its main process's pid) -> its name."""
        return {record["pid"]: record["program"] for record in events(self.log, "program_started")}


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
