"""`python -m taskoverflow_api`: check the configuration, then run gunicorn as the image does."""

from __future__ import annotations

import os
import sys

from taskoverflow_shared.settings import ConfigError

from .config import ApiSettings


def main() -> None:
    try:
        ApiSettings.from_env()
    except ConfigError as exc:
        print(f"taskoverflow-api: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", "python:taskoverflow_api.gunicorn_conf"]
    os.execv(sys.executable, [*gunicorn, *sys.argv[1:], "taskoverflow_api.wsgi:app"])


if __name__ == "__main__":
    main()
