"""Helpers the feed tests and the feed benchmark share: create a feed, wait for its calendar."""

from __future__ import annotations

from typing import Any

import requests

from taskoverflow_devstack.waiting import wait_until


def create_feed(api: str, **selection: Any) -> dict[str, Any]:
    response = requests.post(f"{api}/api/v1/calendar-feeds", json=selection, timeout=10)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_feed(feed_url: str, *, containing: str = "", timeout: float = 30) -> requests.Response:
    """Poll a feed until it answers 200 with a calendar holding `containing` (the first build, or an edit)."""

    def served() -> requests.Response | None:
        response = requests.get(feed_url, timeout=5)
        assert response.status_code in (200, 503), response.text
        return response if response.status_code == 200 and containing in response.text else None

    return wait_until(served, timeout=timeout, what=f"{feed_url} serving {containing!r}", interval=0.1)
