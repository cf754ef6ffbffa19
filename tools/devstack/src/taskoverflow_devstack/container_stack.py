"""The three images, built as `make images` builds them, and run as docker compose runs them
(deploy/compose/compose.yaml plus the tests' override file) against servers the caller runs:
what the end-to-end and image tests drive."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

from .compose_cli import COMPOSE_FILE, compose_command
from .docker_engine import Engine

SERVICES = ("api", "calendar-worker", "notifier")
OVERRIDE_FILE = Path("tests/compose.embedded-servers.yaml")  # from the repository root


def image_name(service: str, tag: str) -> str:
    """The team's convention: taskoverflow-<service>:<tag>."""
    return f"taskoverflow-{service}:{tag}"


@dataclasses.dataclass(frozen=True)
class BuiltImage:
    service: str
    name: str
    build_s: float
    size_bytes: int
    base: str
    base_size_bytes: int


def image_size(engine: Engine, image: str) -> int:
    return int(engine.docker("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())


def build_image(engine: Engine, root: Path, service: str, tag: str, base: str, log_path: Path) -> BuiltImage:
    """`make image SERVICE=... TAG=...`, as a person (or `make deploy`) builds it."""
    started = time.monotonic()
    with open(log_path, "w") as log:
        result = subprocess.run(
            ["make", "--no-print-directory", "image", f"SERVICE={service}", f"TAG={tag}"],
            cwd=root,
            env=engine.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=1200,
        )
    if result.returncode != 0:
        raise RuntimeError(
            f"make image SERVICE={service} failed; the end of {log_path}:\n{log_path.read_text()[-4000:]}"
        )
    name = image_name(service, tag)
    build_s = time.monotonic() - started
    # The build stage under a name too (from the cache: instant), so that pruning the images these builds
    # replaced keeps it: it holds the dependency layer the next build reuses.
    engine.docker(
        "build",
        "--network",
        "host",
        "--quiet",
        "--target",
        "build",
        "--file",
        str(root / "services" / service / "Dockerfile"),
        "--tag",
        f"{name}-build-stage",
        str(root),
    )
    return BuiltImage(service, name, build_s, image_size(engine, name), base, image_size(engine, base))


def _parse_ps(output: str) -> list[dict]:
    # Compose prints one JSON object a line (older versions: one array).
    output = output.strip()
    if output.startswith("["):
        return json.loads(output)
    return [json.loads(line) for line in output.splitlines() if line.strip()]


class ComposeProject:
    """One compose project of the stack: compose.yaml, the tests' override, and an environment file
    that both fills in compose.yaml's variables and reaches every container."""

    def __init__(self, engine: Engine, root: Path, env_file: Path, name: str | None = None) -> None:
        self.engine = engine
        self.name = name or f"taskoverflow-test-{uuid.uuid4().hex[:8]}"
        self.command = [
            *compose_command(engine.env),
            "--project-name",
            self.name,
            "--file",
            str(root / COMPOSE_FILE),
            "--file",
            str(root / OVERRIDE_FILE),
            "--env-file",
            str(env_file),
        ]
        self.env = {**engine.env, "TASKOVERFLOW_TEST_ENV_FILE": str(env_file)}

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.command, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"compose {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result

    def containers(self) -> dict[str, dict]:
        """Service name -> its container's state (`docker compose ps --all`)."""
        return {c["Service"]: c for c in _parse_ps(self.run("ps", "--all", "--format", "json").stdout)}

    def container_id(self, service: str) -> str:
        return self.run("ps", "--all", "--quiet", service).stdout.strip()

    def logs(self, *services: str) -> str:
        return self.run("logs", "--no-color", "--no-log-prefix", *services, check=False).stdout

    def up(self, services: tuple[str, ...] = SERVICES, timeout: float = 180) -> None:
        """Start the stack (compose runs the init first), then wait until every service is healthy.

        Not `up --wait` alone: it counts a crashing service without a health check as up."""
        self.run("up", "--detach", "--no-build", timeout=timeout)
        deadline = time.monotonic() + timeout
        while True:
            state = self.containers()
            crashed = {
                service: c
                for service, c in state.items()
                if c["State"] in ("exited", "dead", "restarting") and not (service == "init" and c["ExitCode"] == 0)
            }
            if crashed:
                raise RuntimeError(f"{', '.join(crashed)} stopped: {crashed}\n{self.logs()[-6000:]}")
            if all(state.get(s, {}).get("Health") == "healthy" for s in services):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy within {timeout:.0f} s: {state}\n{self.logs()[-6000:]}")
            time.sleep(0.5)

    def down(self) -> None:
        self.run("down", "--volumes", "--timeout", "30", check=False)


def write_env_file(path: Path, env: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    return path


def env_args(env: Mapping[str, str]) -> list[str]:
    return [arg for name, value in env.items() for arg in ("--env", f"{name}={value}")]


@contextlib.contextmanager
def running_container(engine: Engine, image: str, env: Mapping[str, str], *docker_args: str) -> Iterator[str]:
    """`docker run` of one image on the host network with `env`, its health probed every second;
    yields the container's id and removes the container afterwards."""
    container = engine.docker(
        "run", "--detach", "--network", "host", "--health-interval=1s", *docker_args, *env_args(env), image
    ).stdout.strip()
    try:
        yield container
    finally:
        engine.docker("rm", "--force", "--volumes", container, check=False)


def container_state(engine: Engine, container: str) -> dict:
    return json.loads(engine.docker("inspect", "--format", "{{json .State}}", container).stdout)


def wait_for_health(engine: Engine, container: str, status: str, timeout: float = 90) -> dict:
    """Wait until the container's health is `status` (healthy, unhealthy); its State then."""
    deadline = time.monotonic() + timeout
    while True:
        state = container_state(engine, container)
        if state.get("Health", {}).get("Status") == status:
            return state
        if not state["Running"] or time.monotonic() > deadline:
            logs = engine.docker("logs", container, check=False)
            raise AssertionError(f"{container[:12]} not {status}: {state}\n{logs.stdout}{logs.stderr}"[-6000:])
        time.sleep(0.3)
