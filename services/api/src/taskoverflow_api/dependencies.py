"""What the routes work with, wired once by bootstrap.py: the settings, the stores and the job queue.

Routes read them with `dependencies()`: one typed object instead of string keys in app.extensions.
A new store or port gets a field here, its real adapter in bootstrap.py, and a fake in tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import Flask, current_app

from .calendar_feeds.ports import FeedStore
from .calendar_jobs.ports import CalendarJobStore, WakeRelay
from .config import ApiSettings
from .todos.ports import TodoStore

_EXTENSION = "taskoverflow"


@dataclasses.dataclass(frozen=True)
class Dependencies:
    settings: ApiSettings
    todos: TodoStore
    calendar_jobs: CalendarJobStore
    # None: no BROKER_URL, calendar export answers 503.
    wake_relay: WakeRelay | None
    # Readiness checks by name (health.py): each answers, or raises, within its own bound.
    readiness: dict[str, Callable[[], None]] = dataclasses.field(default_factory=dict)
    # None (tests on fakes, or no BROKER_URL): the feed endpoints answer 503 and edits queue no rebuilds.
    feeds: FeedStore | None = None


def install(app: Flask, dependencies: Dependencies) -> None:
    app.extensions[_EXTENSION] = dependencies


def dependencies() -> Dependencies:
    """The dependencies of the app handling the current request."""
    installed: Dependencies = current_app.extensions[_EXTENSION]
    return installed
