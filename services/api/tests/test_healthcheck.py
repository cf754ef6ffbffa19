"""`python -m taskoverflow_api.healthcheck`, the image's HEALTHCHECK: it asks the API on its own PORT."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from taskoverflow_api.healthcheck import health_url
from taskoverflow_devstack.ports import free_port


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({}, "http://127.0.0.1:6400/api/v1/health"),
        ({"PORT": "8080", "HOST": "0.0.0.0"}, "http://127.0.0.1:8080/api/v1/health"),
        ({"PORT": "8080", "HOST": "::"}, "http://127.0.0.1:8080/api/v1/health"),
        ({"PORT": "8080", "HOST": "127.0.0.2"}, "http://127.0.0.2:8080/api/v1/health"),
        ({"PORT": "8080", "HOST": "::1"}, "http://[::1]:8080/api/v1/health"),
    ],
)
def test_it_asks_where_the_api_listens(env: dict[str, str], url: str) -> None:
    assert health_url(env) == url


def check(port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORT": str(port), "HOST": "0.0.0.0"}
    return subprocess.run(
        [sys.executable, "-m", "taskoverflow_api.healthcheck"], env=env, capture_output=True, text=True, timeout=30
    )


@pytest.mark.integration
def test_healthy_when_the_api_answers_on_port_and_not_when_nothing_does(api: str) -> None:
    assert check(urlsplit(api).port).returncode == 0
    assert check(free_port()).returncode == 1
