"""The one process runner: start a server or service, wait until it is ready, stop it afterwards."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

from .waiting import wait_until

# What a readiness check may meet while its server starts: refused connections, HTTP errors,
# a log file not written yet.
NOT_READY_YET: tuple[type[BaseException], ...] = (OSError, ValueError)


class ProcessDied(RuntimeError):
    """The process exited while it was being waited for; the message carries its log's tail."""


@contextlib.contextmanager
def run_process(
    command: list[str],
    *,
    ready: Callable[[], object],
    what: str,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    timeout: float = 60,
    stop_timeout: float = 20,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` (stdout and stderr to `log_path`, or a temporary file), wait until `ready()`
    is truthy, yield the process, then stop it: SIGTERM, and SIGKILL after `stop_timeout` s."""
    with contextlib.ExitStack() as cleanup:
        log: IO[bytes]
        if log_path is None:
            log = cleanup.enter_context(tempfile.NamedTemporaryFile(prefix="process-", suffix=".log"))
            log_path = Path(log.name)
        else:
            log = cleanup.enter_context(open(log_path, "wb"))
        proc = subprocess.Popen(command, env=None if env is None else dict(env), stdout=log, stderr=subprocess.STDOUT)
        cleanup.callback(_stop, proc, stop_timeout)

        def alive_and_ready() -> object:
            if proc.poll() is not None:
                raise ProcessDied(f"{what} exited with status {proc.returncode}")
            return ready()

        try:
            wait_until(alive_and_ready, timeout=timeout, what=f"{what} ready", ignoring=NOT_READY_YET)
        except (TimeoutError, ProcessDied) as exc:
            raise ProcessDied(f"{exc}; its log:\n{log_path.read_text(errors='replace')[-4000:]}") from None
        yield proc


def _stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
