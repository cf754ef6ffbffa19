"""A Docker engine to build and run the images: the one that already answers, or a dockerd of our own
(Debian's docker.io, installed when missing) on host networking only, stopped by its PID afterwards."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .waiting import wait_until

# No bridge network, no NAT rules: every container shares the host's network (and listens on 127.0.0.1).
_DOCKERD_NETWORK_FLAGS = ["--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false"]


class EngineUnavailable(RuntimeError):
    """Docker cannot be installed on this machine (not root, no apt, apt failing); the message says why."""


@dataclasses.dataclass(frozen=True)
class Engine:
    """How to reach an engine: `env` is what the docker CLI and compose need (DOCKER_HOST when it is ours)."""

    env: dict[str, str]
    started_here: bool
    log_path: Path | None = None

    def docker(self, *args: str, check: bool = True, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        result = subprocess.run(["docker", *args], env=self.env, text=True, timeout=timeout, **kwargs)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result


def answers(env: dict[str, str] | None = None) -> bool:
    """Whether a Docker engine answers the docker CLI with `env` (DOCKER_HOST, or the default socket)."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=15,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and result.stdout.strip() != ""


def apt_install(*packages: str) -> None:
    """Install Debian packages (as root); EngineUnavailable, with apt's own words, when that cannot be done."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise EngineUnavailable(f"{', '.join(packages)} missing, and this is not root on a Debian-like system")
    command = ["apt-get", "install", "--yes", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", *packages]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:  # most often a machine whose package lists were never fetched
        subprocess.run(["apt-get", "update", "-o", "DPkg::Lock::Timeout=300"], env=env, capture_output=True)
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise EngineUnavailable(
            f"apt-get install {' '.join(packages)} failed: {(result.stdout + result.stderr)[-1500:]}"
        )


def unmount_under(*roots: Path) -> None:
    """Unmount whatever is still mounted below `roots` (dockerd leaves its network-namespace mount), deepest first."""
    prefixes = [str(root.resolve()).rstrip("/") + "/" for root in roots]
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        points = [line.split()[4].replace("\\040", " ") for line in mountinfo]
    for point in sorted((p for p in points if any(p.startswith(prefix) for prefix in prefixes)), reverse=True):
        subprocess.run(["umount", "--lazy", point], capture_output=True)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[bool]:
    """Yields True while this process holds `lock_path`, False when another one does."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def own_dockerd(data_root: Path) -> Iterator[Engine]:
    """dockerd with its own socket, run folder and data-root (so it never meets another engine on this
    machine), started in its own session and stopped by its PID."""
    if shutil.which("dockerd") is None or shutil.which("docker") is None:
        apt_install("docker.io")
    run_dir = Path(tempfile.mkdtemp(prefix="taskoverflow-dockerd-"))
    socket = run_dir / "docker.sock"
    log_path = run_dir / "dockerd.log"
    command = [
        "dockerd",
        *_DOCKERD_NETWORK_FLAGS,
        f"--host=unix://{socket}",
        f"--exec-root={run_dir / 'exec'}",
        f"--pidfile={run_dir / 'dockerd.pid'}",
        f"--data-root={data_root}",
        "--cgroup-parent=taskoverflow-tests",
    ]
    env = dict(os.environ, DOCKER_HOST=f"unix://{socket}")
    with open(log_path, "wb") as log:
        dockerd = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_until(lambda: dockerd.poll() is None and answers(env), timeout=60, what="dockerd", interval=0.3)
        except TimeoutError:
            # Installed but broken is a failure to see, not a machine without Docker: no EngineUnavailable.
            raise RuntimeError(
                f"dockerd did not answer; its log:\n{log_path.read_text(errors='replace')[-3000:]}"
            ) from None
        yield Engine(env=env, started_here=True, log_path=log_path)
    finally:
        _stop(dockerd)
        unmount_under(run_dir, data_root)
        shutil.rmtree(run_dir, ignore_errors=True)


def _stop(dockerd: subprocess.Popen) -> None:
    if dockerd.poll() is None:
        dockerd.send_signal(signal.SIGTERM)
        try:
            dockerd.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # Its whole session (the containerd and shims it started), by the group id we gave it.
            os.killpg(dockerd.pid, signal.SIGKILL)
            dockerd.wait()


@contextlib.contextmanager
def engine(cache_dir: Path) -> Iterator[Engine]:
    """The engine that answers, else our own dockerd. Ours keeps its data-root in `cache_dir`, so a later
    run on this machine finds the base image and the build cache; a second run meanwhile gets a fresh one."""
    if answers():
        yield Engine(env=dict(os.environ), started_here=False)
        return
    with _exclusive(cache_dir / "dockerd.lock") as ours:
        if ours:
            with own_dockerd(cache_dir / "dockerd") as started:
                yield started
        else:
            data_root = Path(tempfile.mkdtemp(prefix="taskoverflow-dockerd-data-"))
            try:
                with own_dockerd(data_root) as started:
                    yield started
            finally:
                shutil.rmtree(data_root, ignore_errors=True)
