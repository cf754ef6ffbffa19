"""pytest fixtures for the container images: a Docker engine (set up when none answers), the base image
(a cached stand-in where no registry answers), the three images built once per session, and the
compose stack running them against the session's own PostgreSQL and AWS emulator.

Tests that use them carry the `containers` marker; a machine where Docker cannot be installed at all
skips them, saying why."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import base_image, docker_engine
from .container_stack import SERVICES, BuiltImage, ComposeProject, build_image, write_env_file
from .ports import free_port
from .pytest_plugin import E2E_WORKER_SETTINGS, Stack
from .socket_relay import postgres_url_over_tcp

IMAGE_TAG = "test"
_BUILT = pytest.StashKey[list[BuiltImage]]()
_BASES = pytest.StashKey[dict[str, str]]()


def cache_dir() -> Path:
    """Kept between runs on this machine, outside the repository: the stand-in base, the engine's data."""
    given = os.environ.get("TASKOVERFLOW_CACHE_DIR")
    return Path(given) if given else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "taskoverflow"


@pytest.fixture(scope="session")
def docker_engine_for_tests() -> Iterator[docker_engine.Engine]:
    """The engine that answers, or a dockerd of our own for the session (stopped by its PID at the end)."""
    resources = contextlib.ExitStack()
    try:
        engine = resources.enter_context(docker_engine.engine(cache_dir()))
    except docker_engine.EngineUnavailable as exc:
        pytest.skip(f"Docker cannot be had on this machine: {exc}")
    with resources:
        yield engine


@pytest.fixture(scope="session")
def docker_images(
    docker_engine_for_tests: docker_engine.Engine,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """Service -> image (taskoverflow-<service>:test), built once per session from the working tree."""
    engine, root = docker_engine_for_tests, request.config.rootpath
    dockerfiles = [root / "services" / service / "Dockerfile" for service in SERVICES]
    [base] = base_image.base_images(dockerfiles)  # one base for all three: one stand-in to build
    try:
        request.config.stash[_BASES] = {base: base_image.ensure_base(engine, base, cache_dir())}
    except docker_engine.EngineUnavailable as exc:  # no registry, and debootstrap cannot be installed
        pytest.skip(f"the base image cannot be had on this machine: {exc}")
    logs = tmp_path_factory.mktemp("image-builds")
    built = [build_image(engine, root, service, IMAGE_TAG, base, logs / f"{service}.log") for service in SERVICES]
    request.config.stash[_BUILT] = built
    yield {image.service: image.name for image in built}
    # The images these builds replaced, so that the cached data-root does not grow run after run.
    engine.docker("image", "prune", "--force", check=False)


@pytest.fixture(scope="session")
def container_database_url(database_url: str) -> Iterator[str]:
    """The session database as containers reach it: over TCP on 127.0.0.1."""
    with postgres_url_over_tcp(database_url) as url:
        yield url


@dataclasses.dataclass(frozen=True)
class ContainerStack(Stack):
    project: ComposeProject | None = None

    def log_text(self) -> str:
        assert self.project is not None
        return self.project.logs()


@pytest.fixture(scope="session")
def container_stack(
    docker_engine_for_tests: docker_engine.Engine,
    docker_images: dict[str, str],
    database_url: str,
    container_database_url: str,
    aws_endpoint: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ContainerStack]:
    """deploy/compose/compose.yaml's init, api, calendar-worker and notifier from the images, over SQS
    on the session's emulator and the session's database, with their own queue namespace and topic."""
    from .aws_resources import subscribe_queue

    namespace = f"ctr{uuid.uuid4().hex[:8]}"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    wiring = {
        "TAG": IMAGE_TAG,
        "BROKER_URL": "sqs://",
        "QUEUE_NAMESPACE": namespace,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "SNS_TOPIC_ARN": f"arn:aws:sns:us-east-1:123456789012:{namespace}-notifications",
        "PUBLIC_BASE_URL": base_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WORKER_PROCESSES": "1",
        "WORKER_THREADS": "4",
        "SQS_VISIBILITY_TIMEOUT": "60",
        **E2E_WORKER_SETTINGS,
    }
    logs = tmp_path_factory.mktemp("stack-containers")
    env_file = write_env_file(logs / "compose.env", {**wiring, "DATABASE_URL": container_database_url})
    project = ComposeProject(docker_engine_for_tests, request.config.rootpath, env_file)
    try:
        project.up()
        # The tests read and send as the host sees things: the same database, by its own URL.
        env = {**wiring, "DATABASE_URL": database_url}
        inbox_url = subscribe_queue(env, env["SNS_TOPIC_ARN"], f"{namespace}_inbox")
        yield ContainerStack(base_url, env, logs, inbox_url, project)
    finally:
        (logs / "containers.log").write_text(project.logs())
        project.down()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """The images' sizes and build times, as measured in this run (they go into README.md's table)."""
    built = config.stash.get(_BUILT, None)
    if not built:
        return
    terminalreporter.section("container images")
    for base, how in config.stash.get(_BASES, {}).items():
        terminalreporter.write_line(f"base {base}: {how}")
    for image in built:
        terminalreporter.write_line(
            f"{image.name}: {image.size_bytes / 1e6:.0f} MB ({image.base_size_bytes / 1e6:.0f} MB base"
            f" + {(image.size_bytes - image.base_size_bytes) / 1e6:.0f} MB), built in {image.build_s:.0f} s"
        )
