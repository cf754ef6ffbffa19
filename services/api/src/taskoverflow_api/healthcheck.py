"""`python -m taskoverflow_api.healthcheck`: the image's HEALTHCHECK. Exit 0 when this container's API
answers GET /api/v1/health with 200 on its own PORT (and HOST, unless it listens on every address)."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

_EVERY_ADDRESS = ("", "0.0.0.0", "::")


def health_url(env: Mapping[str, str]) -> str:
    port = env.get("PORT", "").strip() or "6400"
    host = env.get("HOST", "").strip()
    host = "127.0.0.1" if host in _EVERY_ADDRESS else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/api/v1/health"


def main() -> int:
    url = health_url(os.environ)
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status = response.status
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    print(f"{url}: {status}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
