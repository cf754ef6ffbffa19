"""`make up` without Docker: TaskOverflow's services as local processes on embedded infrastructure."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

import requests
from honcho.manager import Manager

from . import embedded
from .ports import port_open, wait_until


def _stop_on_sigterm() -> None:
    # Until honcho takes over the signals, SIGTERM unwinds like Ctrl-C, so the
    # embedded servers below are stopped rather than orphaned.
    def _raise(signum, frame):  # noqa: ANN001
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


def _announce_when_ready(base_url: str, port: int) -> None:
    def announce() -> None:
        try:
            wait_until(lambda: requests.get(f"{base_url}/api/v1/health", timeout=1).ok, timeout=60, what="the API")
        except TimeoutError as exc:
            print(f"\n!! {exc}; see the api lines above\n", flush=True)
            return
        print(f"\n==> TaskOverflow is up: http://localhost:{port}  (Ctrl-C stops everything)\n", flush=True)

    threading.Thread(target=announce, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="taskoverflow-up", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(os.environ.get("DEVSTACK_DIR", ".devstack")))
    args = parser.parse_args(argv)
    _stop_on_sigterm()

    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = int(env.setdefault("PORT", "6400"))
    if port_open(port):
        print(f"taskoverflow-up: port {port} is already in use; set PORT to another", file=sys.stderr)
        return 1
    base_url = env.setdefault("PUBLIC_BASE_URL", f"http://localhost:{port}")

    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            print(f"==> starting embedded PostgreSQL (data in {args.state_dir / 'postgres'})", flush=True)
            env["DATABASE_URL"] = stack.enter_context(embedded.postgres(args.state_dir.resolve() / "postgres"))

        manager = Manager()
        manager.add_process("api", f"{sys.executable} -m taskoverflow_api", env=env)
        _announce_when_ready(base_url, port)
        manager.loop()
        return manager.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
