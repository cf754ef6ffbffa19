"""The supervisor `make up` runs the services under, as a real process supervising real ones: a Dramatiq
service on Redis (drain_actors.py), and small programs that misbehave on purpose."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import pty
import shlex
import signal
import subprocess
import sys
import termios
import uuid
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker

from taskoverflow_devstack.json_log import events, wait_for_event
from taskoverflow_devstack.waiting import wait_until

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
WORKER_PROCESSES = 2


@dataclasses.dataclass
class Supervised:
    """A supervisor process (python -m taskoverflow_devstack.supervisor) and the log it and its programs share."""

    proc: subprocess.Popen[bytes]
    log: Path
    terminal: int | None = None  # the controlling side of its terminal, when it has one

    def events(self, event: str, **fields: object) -> list[dict]:
        return events(self.log, event, **fields)

    def wait_for(self, event: str, *, count: int = 1, timeout: float = 60, **fields: object) -> list[dict]:
        return wait_for_event(self.log, event, count=count, timeout=timeout, **fields)

    def pid_of(self, program: str) -> int:
        """The pid of the program's latest start."""
        starts = self.events("program_started", program=program) + self.events("program_restarted", program=program)
        return int(starts[-1]["pid"])

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=90)

    def press_ctrl_c(self) -> int:
        """Ctrl-C typed in its terminal: the terminal signals its whole foreground process group."""
        assert self.terminal is not None, "started without a terminal"
        os.write(self.terminal, b"\x03")
        return self.proc.wait(timeout=90)


def _take_the_terminal() -> None:
    # In the child, a session leader by then: its stdin (a terminal) becomes its controlling terminal.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@contextlib.contextmanager
def supervise(
    tmp_path: Path, programs: dict[str, str], *, stop_grace: float = 20, terminal: bool = False, **env: str
) -> Iterator[Supervised]:
    """The supervisor in a session of its own, with a terminal of its own if asked (as under `make up`)."""
    log = tmp_path / "supervisor.log"
    command = [sys.executable, "-m", "taskoverflow_devstack.supervisor", "--stop-grace", str(stop_grace)]
    command += [f"{name}={program}" for name, program in programs.items()]
    environment = {**os.environ, "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1", **env}
    controlling, stdin = pty.openpty() if terminal else (None, subprocess.DEVNULL)
    with open(log, "wb") as output:
        proc = subprocess.Popen(
            command,
            env=environment,
            stdin=stdin,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Only an ioctl between fork and exec: safe beside the test session's threads.
            preexec_fn=_take_the_terminal if terminal else None,
        )
    if terminal:
        os.close(stdin)
    supervised = Supervised(proc, log, controlling)
    try:
        yield supervised
    finally:
        if controlling is not None:
            os.close(controlling)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # Each program leads its own process group: whatever a failed test left running goes.
        for record in supervised.events("program_started") + supervised.events("program_restarted"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(record["pid"], signal.SIGKILL)


@pytest.fixture
def drain_queue() -> str:
    return f"drain-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def jobs_broker(redis_url: str) -> Iterator[RedisBroker]:
    broker = RedisBroker(url=redis_url)
    yield broker
    broker.close()


def dramatiq_service(queue: str) -> str:
    """The command of a Dramatiq service consuming `queue`, run the way the services' entry points run it."""
    return shlex.join(
        [
            sys.executable,
            *("-m", "taskoverflow_shared.dramatiq_cli", "--service", "jobs", "drain_actors"),
            *("--path", str(HERE), "--queues", queue, "--processes", str(WORKER_PROCESSES), "--threads", "1"),
            "--skip-logging",
        ]
    )


def enqueue_slow_job(broker: RedisBroker, queue: str, marker_dir: Path, seconds: float) -> None:
    marker_dir.mkdir(parents=True, exist_ok=True)
    message = dramatiq.Message(
        queue_name=queue, actor_name="slow_job", args=(str(marker_dir), seconds), kwargs={}, options={}
    )
    broker.enqueue(message)


def consuming(supervised: Supervised, *, starts: int = 1) -> None:
    """Wait until the service's worker processes are consuming, for its `starts`-th start."""
    supervised.wait_for("Worker process is ready for action.", count=WORKER_PROCESSES * starts)


def children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has gone too, only not yet reaped


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT", "Ctrl-C in its terminal"])
def test_a_stop_signal_drains_a_dramatiq_service_signalled_once(
    tmp_path: Path, redis_url: str, drain_queue: str, jobs_broker: RedisBroker, stop: str
) -> None:
    # Given a Dramatiq service under the supervisor, with a job in flight
    with supervise(
        tmp_path,
        {"jobs": dramatiq_service(drain_queue)},
        terminal=stop.startswith("Ctrl-C"),
        BROKER_URL=redis_url,
        DRAIN_QUEUE=drain_queue,
    ) as supervised:
        consuming(supervised)
        job = tmp_path / "job"
        enqueue_slow_job(jobs_broker, drain_queue, job, seconds=3)
        wait_until(lambda: (job / "started").exists(), timeout=30, what="the job to start")

        # When the supervisor is told to stop
        status = supervised.press_ctrl_c() if stop.startswith("Ctrl-C") else supervised.stop(signal.Signals[stop])

    # Then the supervisor took it as a stop (the terminal's Ctrl-C is a SIGINT to its process group)
    assert supervised.events("stopping", signal="SIGTERM" if stop == "SIGTERM" else "SIGINT")
    # And the job in flight finished, and the service stopped cleanly
    assert (job / "finished").exists()
    assert status == 0
    assert supervised.events("program_stopped", program="jobs", status="exit status 0")
    # And its main process got one SIGTERM, which it passed on once to each worker: none was killed
    assert len(supervised.events("Sending signal 'SIGTERM' to subprocesses...")) == 1
    assert len(supervised.events("Stopping worker process...")) == WORKER_PROCESSES
    assert not supervised.events("Killing worker process...")


def test_a_killed_main_process_is_restarted_and_its_orphaned_workers_go(
    tmp_path: Path, redis_url: str, drain_queue: str, jobs_broker: RedisBroker
) -> None:
    with supervise(
        tmp_path, {"jobs": dramatiq_service(drain_queue)}, BROKER_URL=redis_url, DRAIN_QUEUE=drain_queue
    ) as supervised:
        consuming(supervised)
        main = supervised.pid_of("jobs")
        workers = children_of(main)
        assert len(workers) >= WORKER_PROCESSES

        # When Dramatiq's main process is killed (its workers are left without a parent)
        os.kill(main, signal.SIGKILL)

        # Then the supervisor says so, and starts the service again
        (exited,) = supervised.wait_for("program_exited", program="jobs")
        assert (exited["pid"], exited["status"]) == (main, "killed by SIGKILL")
        supervised.wait_for("program_restarted", program="jobs")
        consuming(supervised, starts=2)
        # And the orphaned workers were stopped, not left consuming beside the new ones
        wait_until(lambda: all(gone(worker) for worker in workers), timeout=30, what="the orphaned workers to end")
        # And the restarted service does the work
        job = tmp_path / "after"
        enqueue_slow_job(jobs_broker, drain_queue, job, seconds=0)
        wait_until(lambda: (job / "finished").exists(), timeout=30, what="a job after the restart")
        assert supervised.stop() == 0


def test_a_killed_worker_process_gets_its_service_restarted(
    tmp_path: Path, redis_url: str, drain_queue: str, jobs_broker: RedisBroker
) -> None:
    with supervise(
        tmp_path, {"jobs": dramatiq_service(drain_queue)}, BROKER_URL=redis_url, DRAIN_QUEUE=drain_queue
    ) as supervised:
        consuming(supervised)
        main = supervised.pid_of("jobs")

        # When one of Dramatiq's worker processes is killed (Dramatiq's main process then stops the rest and exits)
        os.kill(children_of(main)[0], signal.SIGKILL)

        # Then the service is started again, and works
        (exited,) = supervised.wait_for("program_exited", program="jobs")
        assert exited["pid"] == main
        (restarted,) = supervised.wait_for("program_restarted", program="jobs")
        assert restarted["pid"] != main
        consuming(supervised, starts=2)
        job = tmp_path / "after"
        enqueue_slow_job(jobs_broker, drain_queue, job, seconds=0)
        wait_until(lambda: (job / "finished").exists(), timeout=30, what="a job after the restart")
        assert supervised.stop() == 0


def test_a_program_that_keeps_dying_is_restarted_ever_more_slowly(tmp_path: Path) -> None:
    with supervise(tmp_path, {"crasher": f"{sys.executable} -c 'raise SystemExit(1)'"}) as supervised:
        exits = supervised.wait_for("program_exited", program="crasher", count=3)

        assert [record["restart_in_s"] for record in exits[:3]] == [1.0, 2.0, 4.0]
        assert all(record["status"] == "exit status 1" for record in exits)
        assert supervised.stop() == 0


def test_a_configuration_error_is_not_restarted_and_stops_everything(tmp_path: Path) -> None:
    programs = {
        "misconfigured": f"{sys.executable} -c 'raise SystemExit(2)'",
        "bystander": f"{sys.executable} -c 'import time; time.sleep(600)'",
    }
    with supervise(tmp_path, programs) as supervised:
        status = supervised.proc.wait(timeout=60)

    assert status == 2
    assert supervised.events("program_misconfigured", program="misconfigured")
    assert supervised.events("program_stopped", program="bystander")
    assert not supervised.events("program_restarted")


def test_a_second_ctrl_c_forces_a_program_that_will_not_stop(tmp_path: Path) -> None:
    ignores_sigterm = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(\'{"event": "deaf"}\', flush=True); time.sleep(600)'
    stubborn = shlex.join([sys.executable, "-c", ignores_sigterm])
    # A grace period far longer than the test waits: only the second Ctrl-C can end it
    with supervise(tmp_path, {"stubborn": stubborn}, stop_grace=600) as supervised:
        supervised.wait_for("deaf")
        pid = supervised.pid_of("stubborn")

        supervised.proc.send_signal(signal.SIGINT)
        supervised.wait_for("stopping")
        status = supervised.stop(signal.SIGINT)

    assert status == 0
    assert supervised.events("forcing")
    assert supervised.events("program_stopped", program="stubborn", status="killed by SIGKILL")
    assert gone(pid)
