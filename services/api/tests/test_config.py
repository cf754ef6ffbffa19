"""The API's settings, and `python -m taskoverflow_api` refusing to start on a bad environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from taskoverflow_api.config import ApiSettings

GOOD_DATABASE_URL = "postgresql://app:pw@localhost:5432/taskoverflow"
# Everything the API reads, cleared so the developer's own environment cannot leak into a test.
SETTINGS = (
    "DATABASE_URL", "BROKER_URL", "PUBLIC_BASE_URL", "PORT", "HOST", "WEB_CONCURRENCY", "GUNICORN_THREADS",
    "LOG_FORMAT", "LOG_LEVEL", "DB_POOL_SIZE", "QUEUE_NAMESPACE", "AWS_REGION", "AWS_ENDPOINT_URL",
    "SQS_VISIBILITY_TIMEOUT",
)  # fmt: skip


def test_defaults_need_only_a_database_url() -> None:
    settings = ApiSettings.from_env({"DATABASE_URL": GOOD_DATABASE_URL})

    assert settings.database_url == GOOD_DATABASE_URL
    assert (settings.port, settings.host, settings.threads) == (6400, "127.0.0.1", 1)
    assert settings.public_base_url == "http://localhost:6400"
    assert settings.broker is None


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 2), (8, 8), (None, 2)])
def test_gunicorn_runs_a_worker_a_core_and_at_least_two(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, workers: int
) -> None:
    # None: the machine would not say how many cores it has.
    monkeypatch.setattr(os, "cpu_count", lambda: cores)

    assert ApiSettings.from_env({"DATABASE_URL": GOOD_DATABASE_URL}).workers == workers


def test_web_concurrency_sets_the_workers() -> None:
    settings = ApiSettings.from_env({"DATABASE_URL": GOOD_DATABASE_URL, "WEB_CONCURRENCY": "5"})

    assert settings.workers == 5


def test_port_and_public_base_url_are_read() -> None:
    settings = ApiSettings.from_env(
        {"DATABASE_URL": GOOD_DATABASE_URL, "PORT": "8080", "PUBLIC_BASE_URL": "https://todo.example.com/"}
    )

    assert settings.port == 8080
    assert settings.public_base_url == "https://todo.example.com"


def run_api(**env: str) -> subprocess.CompletedProcess[str]:
    """`python -m taskoverflow_api` with only `env` for settings; it must give up without serving."""
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "taskoverflow_api"], env={**base, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "DATABASE_URL"),
        ({"DATABASE_URL": "  "}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://app:pw@localhost/taskoverflow"}, "DATABASE_URL"),
        ({"DATABASE_URL": "localhost:5432"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://[::1/taskoverflow"}, "DATABASE_URL"),
        ({"DATABASE_URL": GOOD_DATABASE_URL, "PORT": "abc"}, "PORT"),
        ({"DATABASE_URL": GOOD_DATABASE_URL, "PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": GOOD_DATABASE_URL, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"DATABASE_URL": GOOD_DATABASE_URL, "BROKER_URL": "amqp://rabbit"}, "BROKER_URL"),
        ({"DATABASE_URL": GOOD_DATABASE_URL, "PUBLIC_BASE_URL": "http://"}, "PUBLIC_BASE_URL"),
    ],
)
def test_a_bad_environment_stops_the_api_with_a_message_naming_the_variable(env: dict[str, str], variable: str) -> None:
    result = run_api(**env)

    assert result.returncode != 0
    assert result.stderr.startswith(f"taskoverflow-api: configuration error: {variable}: "), result.stderr
    assert "Traceback" not in result.stderr
    # It gave up before gunicorn: nothing was served, nothing else was logged.
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_the_message_does_not_show_the_database_password() -> None:
    result = run_api(DATABASE_URL="mysql://app:s3cr3t@localhost/taskoverflow")

    assert result.returncode != 0 and "DATABASE_URL" in result.stderr
    assert "s3cr3t" not in result.stderr
