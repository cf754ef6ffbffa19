"""Fixtures for the calendar-worker's tests: the in-memory job store and a recording announcer."""

from __future__ import annotations

import pytest

from taskoverflow_calendar_worker.fakes import FakeJobStore
from taskoverflow_calendar_worker.handler import CalendarJobHandler
from taskoverflow_shared.messages import CalendarJobFinished

BASE_URL = "https://todos.example"


@pytest.fixture
def store() -> FakeJobStore:
    return FakeJobStore()


@pytest.fixture
def announced() -> list[CalendarJobFinished]:
    return []


@pytest.fixture
def handler(store: FakeJobStore, announced: list[CalendarJobFinished]) -> CalendarJobHandler:
    return CalendarJobHandler(store, announced.append, base_url=BASE_URL)
