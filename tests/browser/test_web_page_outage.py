"""The web page when the API goes away and comes back (a real browser, the API under gunicorn stopped and
started again on the same port): the person is told it is retrying, and the page recovers by itself."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.services import run_api, service_env, truncate_all

pytestmark = pytest.mark.integration


class RestartableApi:
    """An API process of this test's own, on one port, that the test stops and starts."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.base_url = f"http://127.0.0.1:{env['PORT']}"
        self._running = contextlib.ExitStack()
        self._starts = 0

    def start(self) -> None:
        self._starts += 1
        self._running.enter_context(run_api(self.env, log_path=self.logs / f"api-{self._starts}.log"))

    def stop(self) -> None:
        self._running.close()


@pytest.fixture
def restartable_api(database_url: str, tmp_path: Path) -> Iterator[RestartableApi]:
    truncate_all(database_url)
    port = free_port()
    env = service_env(
        DATABASE_URL=database_url, PORT=str(port), HOST="127.0.0.1", PUBLIC_BASE_URL=f"http://127.0.0.1:{port}"
    )
    env.pop("BROKER_URL", None)
    env["WEB_CONCURRENCY"] = "1"
    api = RestartableApi(env, tmp_path)
    yield api
    api.stop()


def test_the_page_says_it_is_retrying_while_the_api_is_away_and_recovers_when_it_is_back(
    restartable_api: RestartableApi, page: Page
) -> None:
    # Given the page showing a todo
    restartable_api.start()
    api = restartable_api.base_url
    assert requests.post(f"{api}/api/v1/todos", json={"title": "Still here"}, timeout=10).status_code == 201
    page.goto(api)
    todo = page.get_by_role("listitem").filter(has_text="Still here")
    expect(todo).to_be_visible()

    # When the API goes away and the person changes the filter
    restartable_api.stop()
    page.get_by_label("Show").select_option(label="Not done")

    # Then the page says the API cannot be reached and that it is retrying
    banner = page.locator("#connection")
    expect(banner).to_contain_text("The API could not be reached. Retrying in")

    # When the API comes back
    restartable_api.start()

    # Then the page recovers by itself: it says so and shows the list the filter asked for
    expect(banner).to_contain_text("Connected to the API again.", timeout=60_000)
    expect(page.get_by_text("1 todo matches the filter.")).to_be_visible()
    expect(todo).to_be_visible()
