"""The base image the Dockerfiles build FROM: pulled when a registry answers; where none does, a stand-in
under the same name (Debian bookworm's Python 3.11 from debootstrap), built once and cached as a tarball."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .docker_engine import Engine, apt_install, unmount_under

# bookworm's python3 is 3.11, the version the images' python:3.11-slim names.
_SUITE = "bookworm"
_PACKAGES = "python3,python3-venv,python-is-python3,ca-certificates"
_LOCAL_CA = Path("/usr/local/share/ca-certificates")
# What the real python image sets; an imported root filesystem has no environment of its own.
_IMAGE_CONFIG = [
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
]
_FROM = re.compile(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", re.IGNORECASE | re.MULTILINE)


def base_images(dockerfiles: list[Path]) -> set[str]:
    """The external images `dockerfiles` build FROM (not their own stages)."""
    found: set[str] = set()
    for dockerfile in dockerfiles:
        text = dockerfile.read_text(encoding="utf-8")
        stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, re.IGNORECASE | re.MULTILINE))
        found |= {image for image in _FROM.findall(text) if image not in stages}
    return found


def ensure_base(engine: Engine, image: str, cache_dir: Path) -> str:
    """Make `image` available to `engine`; returns how: present, pulled, or a stand-in (cached or built)."""
    if engine.docker("image", "inspect", image, check=False).returncode == 0:
        return "present"
    if engine.docker("pull", image, check=False, timeout=300).returncode == 0:
        return "pulled"
    tarball = cache_dir / f"stand-in-{re.sub(r'[^A-Za-z0-9.-]+', '-', image)}-{_SUITE}.tar"
    how = "stand-in from the cached tarball"
    if not tarball.exists():
        _build_stand_in(tarball)
        how = "stand-in built with debootstrap"
    engine.docker("import", *(arg for line in _IMAGE_CONFIG for arg in ("--change", line)), str(tarball), image)
    return how


def _build_stand_in(tarball: Path) -> None:
    if shutil.which("debootstrap") is None:
        apt_install("debootstrap")
    tarball.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="stand-in-", dir=tarball.parent))
    rootfs = work / "rootfs"
    try:
        _run(["debootstrap", "--variant=minbase", f"--include={_PACKAGES}", _SUITE, str(rootfs)])
        # Package downloads here may pass through a TLS-inspecting proxy whose CA only this host trusts:
        # the stand-in trusts the same local CAs, and pip uses the system bundle that includes them.
        for certificate in _LOCAL_CA.rglob("*.crt"):
            target = rootfs / certificate.relative_to("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(certificate, target)
        _run(["chroot", str(rootfs), "update-ca-certificates"])
        (rootfs / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (rootfs / leftover).glob("*"):
                if path.is_file():
                    path.unlink()
        partial = tarball.with_suffix(".partial")
        _run(["tar", "-C", str(rootfs), "-cf", str(partial), "."])
        partial.rename(tarball)
    finally:
        unmount_under(work)  # debootstrap mounts /proc and /sys in the target while it works
        shutil.rmtree(work, ignore_errors=True)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}"
        )
