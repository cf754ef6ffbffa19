"""Debian's Chromium for the browser tests: found on PATH, or installed with apt-get when we are root.

Playwright's own browser download cannot work where only package registries are reachable, so the
tests drive the distribution's browser instead. Where it cannot be installed (not root, no apt-get,
apt-get failing) the caller is told why, in words, to skip with.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

# What Chromium needs to start headless in a container or CI machine: no sandbox (we run as root),
# no GPU, and none of the background traffic a fresh profile would otherwise start (this machine
# reaches no network but the package registries).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_INSTALL = ["apt-get", "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", "chromium"]
_UPDATE = ["apt-get", "update", "-o", "DPkg::Lock::Timeout=300"]


@dataclasses.dataclass(frozen=True)
class Found:
    """Chromium is there: `executable`; or it is not, and `missing_because` says why."""

    executable: Path | None
    missing_because: str = ""


def find_or_install_chromium(log_path: Path) -> Found:
    """Chromium on PATH, installing Debian's package first if it is missing and we can (apt-get's
    output goes to `log_path`)."""
    found = shutil.which("chromium")
    if found:
        return Found(Path(found))
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return Found(None, "chromium is not installed and this is not a root Debian shell to apt-get it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(log_path, "ab") as log:

        def run(command: list[str]) -> bool:
            return subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False).returncode == 0

        # A fresh machine may have no package lists yet: update only when the install needs it.
        installed = run(_INSTALL) or (run(_UPDATE) and run(_INSTALL))
    found = shutil.which("chromium")
    if installed and found:
        return Found(Path(found))
    tail = log_path.read_text(errors="replace")[-600:].strip()
    return Found(None, f"apt-get could not install chromium (log: {log_path}): ...{tail}")
