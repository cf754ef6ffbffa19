"""The parts of the deployment that can be checked without a Docker engine: Dockerfiles (hadolint,
checkov), the compose file (docker compose config), and imports."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taskoverflow_devstack.compose_cli import COMPOSE_FILE, compose_command

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = [*sorted(ROOT.glob("services/*/Dockerfile")), ROOT / "tools/queue-demo/Dockerfile"]
SERVICES = {path.parent.name: path for path in sorted(ROOT.glob("services/*/src/taskoverflow_*"))}
IMAGES = ("api", "calendar-worker", "notifier")
INFRASTRUCTURE = ("postgres", "redis", "moto")
# checkov pins an older boto3 than ours: `make install` gives it a virtualenv of its own, .venv/checkov.
CHECKOV = Path(sys.prefix) / "checkov" / "bin" / "checkov"


def test_every_service_has_an_image() -> None:
    assert {p.parent.name for p in DOCKERFILES} >= {"api", "calendar-worker", "notifier"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    result = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfiles_pass_checkov() -> None:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: `make install` installs it"
    files = [arg for dockerfile in DOCKERFILES for arg in ("--file", str(dockerfile))]
    result = subprocess.run(
        [str(CHECKOV), "--framework", "dockerfile", "--skip-download", "--compact", "--quiet", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def compose_config(tmp_path: Path, *files: Path, **variables: str) -> dict:
    """`docker compose config` as JSON, on a clean environment: no developer's .env or shell variables."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    files = files or (ROOT / COMPOSE_FILE,)
    command = [*compose_command(), *(arg for f in files for arg in ("--file", str(f))), "--env-file", str(env_file)]
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), **variables}
    result = subprocess.run(
        [*command, "config", "--format", "json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_the_compose_stack_is_valid_and_each_image_builds_from_its_own_dockerfile(tmp_path: Path) -> None:
    services = compose_config(tmp_path, TAG="0123456789ab")

    assert set(services) == {*INFRASTRUCTURE, "init", *IMAGES}
    for name in IMAGES:
        assert services[name]["build"]["dockerfile"] == f"services/{name}/Dockerfile"
        assert services[name]["image"] == f"taskoverflow-{name}:0123456789ab"
    assert (services["postgres"]["image"], services["redis"]["image"]) == ("postgres:16", "redis:7")
    assert services["moto"]["image"].startswith("motoserver/moto:")


def test_every_container_shares_the_host_network_and_the_long_running_ones_restart(tmp_path: Path) -> None:
    services = compose_config(tmp_path)

    assert {name: s["network_mode"] for name, s in services.items()} == dict.fromkeys(services, "host")
    assert {name: s["restart"] for name, s in services.items() if name != "init"} == {
        name: "unless-stopped" for name in services if name != "init"
    }
    assert services["init"]["restart"] == "no"


def test_every_long_running_service_has_a_health_check(tmp_path: Path) -> None:
    for name, service in compose_config(tmp_path).items():
        if name == "init":
            continue
        own = service.get("healthcheck", {}).get("test")
        from_image = "build" in service and "\nHEALTHCHECK " in (ROOT / service["build"]["dockerfile"]).read_text()
        assert own or from_image, f"{name} has no health check"


def test_the_services_start_once_their_dependencies_are_ready(tmp_path: Path) -> None:
    services = compose_config(tmp_path)

    conditions = {name: {d: c["condition"] for d, c in s.get("depends_on", {}).items()} for name, s in services.items()}
    for name in IMAGES:
        assert conditions[name] == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "init": "service_completed_successfully",
        }
    assert conditions["init"] == {"moto": "service_healthy"}
    # The init creates the queues and the topic with the code `make up` runs, from an image that has it.
    assert services["init"]["command"] == ["python", "-m", "taskoverflow_shared.provisioning"]


def test_redis_as_the_broker_is_one_variable_away(tmp_path: Path) -> None:
    services = compose_config(tmp_path, BROKER_URL="redis://127.0.0.1:6380/0")

    assert {services[name]["environment"]["BROKER_URL"] for name in ("init", *IMAGES)} == {"redis://127.0.0.1:6380/0"}
    assert "--port" in services["redis"]["command"] and "6380" in services["redis"]["command"]


def test_the_tests_override_replaces_only_the_infrastructure(tmp_path: Path) -> None:
    env_file = tmp_path / "test.env"
    env_file.write_text("DATABASE_URL=postgresql://postgres@127.0.0.1:1/x\n")

    services = compose_config(
        tmp_path,
        ROOT / COMPOSE_FILE,
        ROOT / "tests/compose.embedded-servers.yaml",
        TASKOVERFLOW_TEST_ENV_FILE=str(env_file),
    )

    assert set(services) == {"init", *IMAGES}  # the others are in a profile nothing starts
    assert all(services[name]["depends_on"].keys() == {"init"} for name in IMAGES)


def test_the_dependency_layer_lists_third_party_requirements_only() -> None:
    script = ROOT / "deploy/images/pyproject_requirements.py"
    listed = subprocess.run(
        [
            sys.executable,
            str(script),
            str(ROOT / "shared/pyproject.toml"),
            str(ROOT / "services/notifier/pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    requirements = listed.stdout.split()
    assert "orjson==3.13.0" in requirements and "boto3==1.44.5" in requirements
    assert len(requirements) == len(set(requirements))
    assert not [r for r in requirements if r.lower().startswith("taskoverflow")]


@pytest.mark.parametrize("package", sorted(SERVICES.values()), ids=lambda p: p.name)
def test_a_service_imports_only_itself_shared_and_libraries(package: Path) -> None:
    # Dependencies run one way, services -> shared: each image installs only itself and shared.
    own = package.name
    for module in package.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            )
            for name in names:
                top = name.split(".")[0]
                if top.startswith("taskoverflow_"):
                    assert top in (own, "taskoverflow_shared"), f"{module.relative_to(ROOT)} imports {name}"
