"""The parts of the deployment that can be checked without a Docker engine: Dockerfiles and imports."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = [*sorted(ROOT.glob("services/*/Dockerfile")), ROOT / "tools/queue-demo/Dockerfile"]
SERVICES = {path.parent.name: path for path in sorted(ROOT.glob("services/*/src/taskoverflow_*"))}


def test_every_service_has_an_image() -> None:
    assert {p.parent.name for p in DOCKERFILES} >= {"api", "calendar-worker", "notifier"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    result = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


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
