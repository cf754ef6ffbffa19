"""Each image's package set, alone: shared and one service installed into a clean virtualenv exactly as
its Dockerfile installs them, then every module of both imported. A library a module imports but
its package does not declare fails here (the dev .venv, holding every package, hides it).

The virtualenvs are cached in .cache/image-venvs, keyed by what decides their contents: the
Python version, constraints.txt and the packages' pyproject.toml files. They hold the third-party
dependencies only; our own code is imported from the source tree, so it is always the current one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
CACHE = ROOT / ".cache" / "image-venvs"
DOCKERFILES = sorted(ROOT.glob("services/*/Dockerfile"))
# What the services' modules read when imported (actors.py and wsgi.py wire the service): valid
# values pointing nowhere; wiring connects to nothing.
IMPORT_ENV = {
    "DATABASE_URL": "postgresql://taskoverflow@127.0.0.1:9/taskoverflow",
    "BROKER_URL": "redis://127.0.0.1:9/0",
    "SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:import-check",
    "LOG_FORMAT": "json",
}


def installed_packages(dockerfile: Path) -> list[Path]:
    """The local packages the Dockerfile's `pip install` installs (its ./path arguments), in order."""
    text = dockerfile.read_text().replace("\\\n", " ")
    paths = [
        ROOT / argument.removeprefix("./")
        for line in text.splitlines()
        if "pip install" in line
        for argument in line.split()
        if argument.startswith("./")
    ]
    assert paths, f"{dockerfile.relative_to(ROOT)} installs no ./package: has its pip install line changed shape?"
    return paths


def _cache_key(packages: list[Path]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in [CONSTRAINTS, *(package / "pyproject.toml" for package in packages)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def clean_venv(name: str, packages: list[Path]) -> Path:
    """A virtualenv holding the third-party dependencies of `packages` (as pip resolves them under
    constraints.txt) and nothing else; built once per cache key."""
    venv = CACHE / f"{name}-{_cache_key(packages)}"
    if (venv / ".complete").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    with tempfile.TemporaryDirectory(prefix="image-packages-") as tmp:
        # Built from copies: a build in the source tree would leave build/ folders behind.
        copies = [
            shutil.copytree(package, Path(tmp) / package.name, ignore=shutil.ignore_patterns("build", "*.egg-info"))
            for package in packages
        ]
        subprocess.run([*pip, "install", "--constraint", str(CONSTRAINTS), *map(str, copies)], check=True)
    own = [tomllib.loads((package / "pyproject.toml").read_text())["project"]["name"] for package in packages]
    subprocess.run([*pip, "uninstall", "--yes", *own], check=True)
    (venv / ".complete").touch()
    for stale in CACHE.glob(f"{name}-*"):
        if stale != venv:
            shutil.rmtree(stale, ignore_errors=True)
    return venv


def modules_of(package: Path) -> list[str]:
    """Every module of a package's src tree, by dotted name."""
    src = package / "src"
    return sorted(
        ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__") for path in src.rglob("*.py")
    )


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_every_module_imports_with_only_what_the_image_installs(dockerfile: Path) -> None:
    packages = installed_packages(dockerfile)
    venv = clean_venv(dockerfile.parent.name, packages)
    modules = [module for package in packages for module in modules_of(package)]
    sources = [str(package / "src") for package in packages]
    script = (
        "import importlib, sys\n"
        f"sys.path[:0] = {sources!r}\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
    )

    # -I: nothing from this environment's site-packages, PYTHONPATH or user site.
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c", script],
        env={"PATH": "/usr/bin:/bin", **IMPORT_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert len(modules) > 10
