"""How `make up` chooses between Docker and local processes, and says which."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from taskoverflow_devstack.run_mode import choose, compose_environment


def test_an_engine_that_answers_means_docker_and_none_means_local_processes() -> None:
    assert choose("auto", engine_answers=True)[0] == "docker"
    assert choose("auto", engine_answers=False) == ("local", "no Docker engine answers; MODE=docker to insist on one")


def test_mode_forces_either_way() -> None:
    assert choose("local", engine_answers=True) == ("local", "MODE=local")
    assert choose("docker", engine_answers=True) == ("docker", "MODE=docker")


def test_mode_docker_without_an_engine_stops_with_a_reason() -> None:
    with pytest.raises(SystemExit, match="MODE=docker, but no Docker engine answers"):
        choose("docker", engine_answers=False)


def test_broker_redis_means_the_stacks_own_redis_on_docker_too() -> None:
    assert compose_environment({"BROKER": "redis"})["BROKER_URL"] == "redis://127.0.0.1:6380/0"
    assert compose_environment({"BROKER": "redis", "REDIS_PORT": "7000"})["BROKER_URL"] == "redis://127.0.0.1:7000/0"
    assert "BROKER_URL" not in compose_environment({})


def test_it_says_what_it_chose() -> None:
    # No engine at this address: `make down` has nothing to stop and says why.
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    done = subprocess.run(
        [sys.executable, "-m", "taskoverflow_devstack.run_mode", "down"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0
    assert done.stdout.startswith("make down: nothing to do locally (no Docker engine answers;")
