"""Reading a program's JSON log lines in tests: the events it wrote, and waiting for one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .waiting import wait_until


def events(path: Path, event: str | None = None, **fields: object) -> list[dict[str, Any]]:
    """The JSON lines of `path` (other lines skipped), those of `event` with these `fields` if given."""
    found = []
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if event is not None and record.get("event") != event:
            continue
        if all(record.get(key) == value for key, value in fields.items()):
            found.append(record)
    return found


def wait_for_event(path: Path, event: str, *, timeout: float, count: int = 1, **fields: object) -> list[dict[str, Any]]:
    """Wait until `path` holds `count` lines of `event` with these `fields`; returns them."""
    return wait_until(
        lambda: (found := events(path, event, **fields)) and len(found) >= count and found,
        timeout=timeout,
        what=f"{count} x {event} {fields or ''} in {path.name}",
        ignoring=(OSError,),
    )
