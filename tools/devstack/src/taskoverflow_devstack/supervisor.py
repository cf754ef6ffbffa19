"""A small process supervisor for `make up`: each program in its own session, restarted when it dies
or stops answering, stopped in order, signalled once.

Why not honcho: it restarts nothing (one death stops the whole stack), it sends its signal to each
program's whole process group (so Dramatiq's workers got SIGTERM twice, once from it and once from
their main process, and were killed instead of drained), and every line of output passed through it.
Here the programs write straight to the terminal, and the supervisor sleeps in `select` until a
signal (SIGCHLD included) or one of its own deadlines wakes it: it costs nothing while all is well.

    python -m taskoverflow_devstack.supervisor NAME='COMMAND ...' [NAME='COMMAND ...' ...]

runs the commands as one layer (the tests use it); `up.py` builds the real stack's layers.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import enum
import os
import queue
import select
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import structlog

from taskoverflow_shared.logging import configure_logging

from .processes import NOT_READY_YET, ProcessDied
from .waiting import wait_until

log = structlog.get_logger("supervisor")

# A program that ran at least this long before dying starts again at once; one that keeps dying
# waits 1, 2, 4, ... up to MAX_BACKOFF_S between attempts.
STABLE_AFTER_S = 60.0
MAX_BACKOFF_S = 30.0
# Our entry points' exit status for a configuration error: starting again cannot help.
CONFIG_ERROR_STATUS = 2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How long a stopped program's group may take to vanish after its SIGKILL (the kernel's part).
GROUP_GONE_TIMEOUT_S = 10.0
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclasses.dataclass(frozen=True)
class Program:
    """One process the supervisor keeps running."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str] | None = None
    # After its one SIGTERM, how long it may take to drain before its whole group is killed.
    stop_grace_s: float = 30.0
    # Where its output goes; None: the supervisor's own stdout and stderr (the terminal).
    output: Path | None = None
    # A bounded check that it serves, waited for after each start (at most ready_timeout_s).
    ready: Callable[[], object] | None = None
    ready_timeout_s: float = 60.0
    # Run once it is ready, after every start (the emulator's queues and topic are made again).
    after_ready: Callable[[], None] | None = None
    # A bounded check, every probe_interval_s while it runs; unanswered for wedged_after_s: restarted.
    probe: Callable[[], object] | None = None
    probe_interval_s: float = 5.0
    wedged_after_s: float = 20.0
    # Said when it is started again (what a restart of it loses).
    restart_note: str | None = None


class _Phase(enum.Enum):
    RUNNING = "running"
    STOPPING = "stopping"
    FORCED = "forced"


@dataclasses.dataclass
class _Run:
    """One start of a program: its process (the leader of its own session and process group)."""

    program: Program
    proc: subprocess.Popen[bytes]
    started: float
    ended: threading.Event = dataclasses.field(default_factory=threading.Event)
    term_sent: bool = False
    kill_at: float | None = None  # when its group gets SIGKILL (a stop or a wedge in progress)
    wedged: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclasses.dataclass
class _Slot:
    """A program's place in the supervisor: its current run, or when it starts again."""

    program: Program
    layer: int
    run: _Run | None = None
    failures: int = 0
    restart_at: float | None = None


class Supervisor:
    """Runs layers of programs: each layer starts once the one before is ready, and stops first."""

    def __init__(self) -> None:
        self._slots: list[_Slot] = []
        self._layers = 0
        self._events: queue.SimpleQueue[tuple[str, _Run]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._signals: list[int] = []
        self._phase = _Phase.RUNNING
        self._status = 0
        # Groups left behind by a program that died (Dramatiq's workers when its main process is
        # killed): SIGTERM at once so they drain, SIGKILL at this deadline.
        self._orphans: dict[int, float] = {}
        _become_subreaper()

    # --- starting ---------------------------------------------------------------------------------

    def start_layer(self, programs: Sequence[Program]) -> None:
        """Start `programs` (above the layers already started) and wait until each is ready and set up."""
        slots = [_Slot(program, self._layers) for program in programs]
        self._layers += 1
        self._slots += slots
        for slot in slots:
            log.info("program_started", program=slot.program.name, pid=self._spawn(slot).pid)
        for slot in slots:
            assert slot.run is not None
            self._wait_ready(slot.run)

    def _spawn(self, slot: _Slot) -> _Run:
        program = slot.program
        output: IO[bytes] | None = None
        if program.output is not None:
            program.output.parent.mkdir(parents=True, exist_ok=True)
            output = open(program.output, "ab")  # noqa: SIM115 - the child holds it; closed below
        try:
            # Its own session: a terminal's Ctrl-C reaches the supervisor only, which then signals
            # each program once; and its whole group can be killed when it dies.
            proc = subprocess.Popen(
                list(program.command),
                env=None if program.env is None else dict(program.env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()
        slot.run = _Run(program, proc, time.monotonic())
        slot.restart_at = None
        return slot.run

    def _wait_ready(self, run: _Run) -> None:
        """At start-up: block until `run` is ready (or raise ProcessDied), set it up, then watch it."""
        program = run.program
        if program.ready is not None:

            def alive_and_ready() -> object:
                if run.proc.poll() is not None:
                    raise ProcessDied(f"{program.name} exited ({_describe(run.proc.returncode)}) while starting")
                assert program.ready is not None
                return program.ready()

            wait_until(alive_and_ready, timeout=program.ready_timeout_s, what=program.name, ignoring=NOT_READY_YET)
        if program.after_ready is not None:
            program.after_ready()
        if program.ready is not None or program.after_ready is not None:
            log.info("program_ready", program=program.name, pid=run.pid)
        self._watch_in_background(run, first=True)

    def _watch_in_background(self, run: _Run, *, first: bool) -> None:
        program = run.program
        needs_ready = not first and (program.ready is not None or program.after_ready is not None)
        if program.probe is None and not needs_ready:
            return
        threading.Thread(target=self._watch, args=(run, needs_ready), name=f"watch-{program.name}", daemon=True).start()

    def _watch(self, run: _Run, needs_ready: bool) -> None:
        """A run's own thread: after a restart, wait until it is ready again; then probe it."""
        program = run.program
        if needs_ready:
            deadline = time.monotonic() + program.ready_timeout_s
            while not run.ended.is_set():
                with contextlib.suppress(Exception):
                    if program.ready is None or program.ready():
                        break
                if time.monotonic() >= deadline:
                    self._post("unready", run)
                    return
                run.ended.wait(0.2)
            else:
                return
            try:
                if program.after_ready is not None:
                    program.after_ready()
            except Exception as exc:  # noqa: BLE001 - reported, and the program is restarted
                log.error("program_setup_failed", program=program.name, error=str(exc))
                self._post("unready", run)
                return
            self._post("ready", run)
        if program.probe is None:
            return
        answered = time.monotonic()
        while not run.ended.wait(program.probe_interval_s):
            try:
                ok = bool(program.probe())
            except Exception:  # noqa: BLE001 - not answering is what is being measured
                ok = False
            now = time.monotonic()
            if ok:
                answered = now
            elif now - answered >= program.wedged_after_s:
                self._post("wedged", run)
                return

    def _post(self, what: str, run: _Run) -> None:
        self._events.put((what, run))
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"\0")

    # --- running ------------------------------------------------------------------------------------

    def run(self) -> int:
        """Supervise until a stop signal (a second one forces); returns the exit status."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (*STOP_SIGNALS, signal.SIGCHLD)}
        old_wakeup = signal.set_wakeup_fd(self._wake_w)
        try:
            self._reap()  # anything that died before the handlers were in place
            while self._slots_alive() or self._phase is _Phase.RUNNING:
                self._sleep_until_something_happens()
                self._handle_signals()
                self._reap()
                self._handle_events()
                self._handle_deadlines()
            self._kill_orphans(force=True)
            return self._status
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: Any) -> None:
        # Only recorded here: the main loop acts on it (the wake-up fd has already woken it).
        if signum != signal.SIGCHLD:
            self._signals.append(signum)

    def _sleep_until_something_happens(self) -> None:
        deadlines = [slot.restart_at for slot in self._slots if slot.restart_at is not None]
        deadlines += [s.run.kill_at for s in self._slots if s.run is not None and s.run.kill_at is not None]
        deadlines += list(self._orphans.values())
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        readable, _, _ = select.select([self._wake_r], [], [], timeout)
        if readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake_r, 4096):
                    pass

    def _handle_signals(self) -> None:
        while self._signals:
            signum = self._signals.pop(0)
            if self._phase is _Phase.RUNNING:
                log.info(
                    "stopping",
                    signal=signal.Signals(signum).name,
                    how="each program gets one SIGTERM and its grace period; press Ctrl-C again to force",
                )
                self._phase = _Phase.STOPPING
                for slot in self._slots:
                    slot.restart_at = None
                self._stop_next_layer()
            elif self._phase is _Phase.STOPPING:
                log.warning("forcing", signal=signal.Signals(signum).name, how="SIGKILL to every program's group")
                self._phase = _Phase.FORCED
                for slot in self._slots:
                    if slot.run is not None:
                        _signal_group(slot.run.pid, signal.SIGKILL)
                self._kill_orphans(force=True)

    def _reap(self) -> None:
        for slot in self._slots:
            run = slot.run
            if run is None or run.proc.poll() is None:
                continue
            run.ended.set()
            slot.run = None
            self._ended(slot, run)
        self._reap_adopted()

    def _reap_adopted(self) -> None:
        """Collect the exit of processes a program left behind, which the kernel hands to us."""
        runs = {slot.run.pid: slot.run for slot in self._slots if slot.run is not None}
        while True:
            # Peek first (WNOWAIT): a program's own main process is its Popen's to collect, status and all.
            try:
                exited = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if exited is None:
                return
            if exited.si_pid in runs:
                runs.pop(exited.si_pid).proc.poll()  # its end is handled by the next _reap
                continue
            with contextlib.suppress(ChildProcessError):
                os.waitpid(exited.si_pid, 0)

    def _wait_group_gone(self, pgid: int) -> None:
        """After a SIGKILL to group `pgid`: wait (bounded) until none of its processes is left."""
        deadline = time.monotonic() + GROUP_GONE_TIMEOUT_S
        while _group_alive(pgid) and time.monotonic() < deadline:
            self._reap_adopted()
            time.sleep(0.02)

    def _ended(self, slot: _Slot, run: _Run) -> None:
        status = run.proc.returncode
        name = slot.program.name
        if self._phase is not _Phase.RUNNING:
            # A stop in progress: what its main process left behind goes too, before the layer below.
            _signal_group(run.pid, signal.SIGKILL)
            self._wait_group_gone(run.pid)
            log.info("program_stopped", program=name, pid=run.pid, status=_describe(status))
            self._stop_next_layer()
            return
        # Died unexpectedly: its orphans (if any) get SIGTERM now, SIGKILL after its grace period.
        if _signal_group(run.pid, signal.SIGTERM):
            self._orphans[run.pid] = time.monotonic() + slot.program.stop_grace_s
        if status == CONFIG_ERROR_STATUS and not run.wedged:
            log.error(
                "program_misconfigured",
                program=name,
                status=_describe(status),
                what="a configuration error (the line above names the variable): not restarted; stopping",
            )
            self._status = CONFIG_ERROR_STATUS
            self._phase = _Phase.STOPPING
            self._stop_next_layer()
            return
        lived = time.monotonic() - run.started
        slot.failures = 1 if lived >= STABLE_AFTER_S else slot.failures + 1
        delay = 0.0 if run.wedged else min(MAX_BACKOFF_S, 2.0 ** (slot.failures - 1))
        slot.restart_at = time.monotonic() + delay
        log.warning(
            "program_exited" if not run.wedged else "program_killed",
            program=name,
            pid=run.pid,
            status=_describe(status),
            ran_s=round(lived, 1),
            restart_in_s=delay,
        )

    def _handle_events(self) -> None:
        while True:
            try:
                what, run = self._events.get_nowait()
            except queue.Empty:
                return
            if run.ended.is_set() or self._phase is not _Phase.RUNNING:
                continue
            name = run.program.name
            if what == "ready":
                log.info("program_ready", program=name, pid=run.pid)
            elif what in ("wedged", "unready"):
                log.error(
                    "program_wedged" if what == "wedged" else "program_not_ready",
                    program=name,
                    pid=run.pid,
                    what=(
                        f"no answer for {run.program.wedged_after_s:g} s: killing its group and starting it again"
                        if what == "wedged"
                        else f"not ready within {run.program.ready_timeout_s:g} s: killing it and starting it again"
                    ),
                )
                run.wedged = True
                _signal_group(run.pid, signal.SIGKILL)

    def _handle_deadlines(self) -> None:
        now = time.monotonic()
        for slot in self._slots:
            if slot.restart_at is not None and now >= slot.restart_at and self._phase is _Phase.RUNNING:
                run = self._spawn(slot)
                log.warning(
                    "program_restarted",
                    program=slot.program.name,
                    pid=run.pid,
                    attempt=slot.failures,
                    **({"lost": slot.program.restart_note} if slot.program.restart_note else {}),
                )
                self._watch_in_background(run, first=False)
            run_ = slot.run
            if run_ is not None and run_.kill_at is not None and now >= run_.kill_at:
                log.warning(
                    "program_killed",
                    program=slot.program.name,
                    pid=run_.pid,
                    why=f"not stopped {slot.program.stop_grace_s:g} s after its SIGTERM",
                )
                _signal_group(run_.pid, signal.SIGKILL)
                run_.kill_at = None
        self._kill_orphans(force=False)

    def _kill_orphans(self, *, force: bool) -> None:
        now = time.monotonic()
        for pgid, deadline in list(self._orphans.items()):
            if force or now >= deadline:
                _signal_group(pgid, signal.SIGKILL)
                del self._orphans[pgid]
                if force:
                    self._wait_group_gone(pgid)

    # --- stopping -----------------------------------------------------------------------------------

    def _stop_next_layer(self) -> None:
        """SIGTERM, once, to every program of the last layer still running; the layer below waits."""
        if self._phase is _Phase.RUNNING:
            return
        running = [slot for slot in self._slots if slot.run is not None]
        if not running:
            return
        top = max(slot.layer for slot in running)
        for slot in running:
            run = slot.run
            if slot.layer != top or run is None or run.term_sent:
                continue
            run.term_sent = True
            run.kill_at = time.monotonic() + slot.program.stop_grace_s
            # To its main process only: Dramatiq's and gunicorn's pass it on to their workers and
            # drain them; a second SIGTERM from here would make Dramatiq's workers quit mid-job.
            with contextlib.suppress(ProcessLookupError):
                os.kill(run.pid, signal.SIGTERM)
            # A paused program (SIGSTOP) handles its SIGTERM only once it runs again.
            _signal_group(run.pid, signal.SIGCONT)

    def _slots_alive(self) -> bool:
        return any(slot.run is not None for slot in self._slots)

    def stop_now(self) -> None:
        """For a start-up that failed half-way: SIGTERM what runs, wait briefly, SIGKILL the rest."""
        for slot in reversed(self._slots):
            if slot.run is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(slot.run.pid, signal.SIGTERM)
            _signal_group(slot.run.pid, signal.SIGCONT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                slot.run.proc.wait(timeout=slot.program.stop_grace_s)
            _signal_group(slot.run.pid, signal.SIGKILL)
            slot.run.proc.wait()
            slot.run.ended.set()
            slot.run = None


def _become_subreaper() -> None:
    """Have the processes our programs leave behind handed to us, not to PID 1, when their parent dies.

    Dramatiq's and gunicorn's workers outlive a killed main process; as our children they can be
    waited for, so a program counts as stopped only when its whole group is gone, whatever PID 1 is
    (in a container it may never collect them, and their zombies would linger in the group).
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _signal_group(pgid: int, sig: signal.Signals) -> bool:
    """Send `sig` to every process of the group; False when none is left."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _describe(status: int | None) -> str:
    if status is None:
        return "running"
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taskoverflow_devstack.supervisor", description=__doc__)
    parser.add_argument("programs", nargs="+", metavar="NAME=COMMAND")
    parser.add_argument("--stop-grace", type=float, default=30.0, help="seconds each program may drain (30)")
    args = parser.parse_args(argv)
    configure_logging(os.environ.get("LOG_FORMAT") or None, service="supervisor")
    programs = []
    for spec in args.programs:
        name, _, command = spec.partition("=")
        programs.append(Program(name, shlex.split(command), stop_grace_s=args.stop_grace))
    supervisor = Supervisor()
    try:
        supervisor.start_layer(programs)
    except BaseException:
        supervisor.stop_now()
        raise
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
