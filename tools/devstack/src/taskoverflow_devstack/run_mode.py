"""`make up | down | logs`: on Docker (deploy/compose/compose.yaml) when an engine answers, else as local
processes (`python -m taskoverflow_devstack`); MODE=docker|local forces either. Says which it chose."""

from __future__ import annotations

import argparse
import os
import sys

from . import docker_engine
from .compose_cli import COMPOSE_FILE, compose_command

MODES = ("auto", "docker", "local")


def choose(mode: str, engine_answers: bool) -> tuple[str, str]:
    """(docker|local, why) for the MODE asked and whether a Docker engine answers."""
    if mode == "docker":
        if not engine_answers:
            raise SystemExit("make up: MODE=docker, but no Docker engine answers (is dockerd running? DOCKER_HOST?)")
        return "docker", "MODE=docker"
    if mode == "local":
        return "local", "MODE=local"
    if engine_answers:
        return "docker", "a Docker engine answers; MODE=local for local processes"
    return "local", "no Docker engine answers; MODE=docker to insist on one"


def compose_environment(env: dict[str, str]) -> dict[str, str]:
    """`make up BROKER=redis` means the same on Docker as locally: the stack's own Redis as the broker."""
    env = dict(env)
    if env.get("BROKER") == "redis" and not env.get("BROKER_URL"):
        env["BROKER_URL"] = f"redis://127.0.0.1:{env.get('REDIS_PORT', '6380')}/0"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make", description=__doc__)
    parser.add_argument("action", choices=("up", "down", "logs"))
    parser.add_argument("--mode", choices=MODES, default=os.environ.get("MODE") or "auto")
    args = parser.parse_args(argv)

    chosen, why = choose(args.mode, docker_engine.answers())
    if chosen == "local":
        if args.action != "up":
            print(
                f"make {args.action}: nothing to do locally ({why}): `make up` runs in the foreground; Ctrl-C stops it"
            )
            return 0
        print(f"==> make up: local processes ({why})", flush=True)
        os.execv(sys.executable, [sys.executable, "-m", "taskoverflow_devstack"])

    compose = [*compose_command(), "--file", str(COMPOSE_FILE)]
    command = {
        "up": [*compose, "up", "--build"],
        "down": [*compose, "down"],
        "logs": [*compose, "logs", "--follow"],
    }[args.action]
    if args.action == "up":
        print(
            f"==> make up: Docker, {COMPOSE_FILE} ({why}); the API on http://localhost:{os.environ.get('PORT', '6400')}",
            flush=True,
        )
    os.execvpe(command[0], command, compose_environment(dict(os.environ)))


if __name__ == "__main__":
    raise SystemExit(main())
