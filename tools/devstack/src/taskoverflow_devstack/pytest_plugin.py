"""pytest fixtures for real parts: PostgreSQL, Redis, moto's server, and the services as their images run them.

Each part is taken from the environment when it points at one (TEST_DATABASE_URL), and
otherwise started embedded, so `make test` needs nothing installed on the machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from dramatiq.brokers.stub import StubBroker

from . import embedded
from .ports import free_port
from .services import run_api, run_consumer, service_env, truncate_all


def pytest_configure(config: pytest.Config) -> None:
    # Tests only ever talk to the local emulator; boto3 in the test process needs some credentials.
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)


def _database_on(server_url: str) -> str:
    """A fresh database on the server at `server_url`, so test runs never share state."""
    name = f"taskoverflow_test_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def _drop_database(server_url: str, name: str) -> None:
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server: TEST_DATABASE_URL's, or an embedded one for the session."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    # Not under pytest's temp folder: pytest resets that to mode 0700 when another session starts,
    # and the server (run as its own system user by pgserver under root) then loses its files.
    data_dir = Path(tempfile.mkdtemp(prefix="taskoverflow-test-pg-"))
    data_dir.chmod(0o755)
    try:
        with embedded.postgres(data_dir / "data", database="postgres") as url:
            yield url
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A new, migrated database, dropped at the end of the session."""
    from taskoverflow_shared.db import migrate

    name = _database_on(postgres_server_url)
    url = _with_database(postgres_server_url, name)
    migrate(url)
    yield url
    _drop_database(postgres_server_url, name)


@pytest.fixture
def stub_broker() -> Iterator[StubBroker]:
    """Dramatiq's in-memory broker with the services' middleware and every queue declared."""
    from taskoverflow_shared.broker import stub_broker as new_stub_broker

    broker = new_stub_broker()
    yield broker
    broker.close()


@pytest.fixture
def clean_database(database_url: str) -> str:
    """The session database, emptied before the test."""
    truncate_all(database_url)
    return database_url


@pytest.fixture(scope="session")
def api_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API started as its image starts it (`python -m taskoverflow_api`: gunicorn, 2 workers)."""
    port = free_port()
    env = service_env(
        DATABASE_URL=database_url,
        PORT=str(port),
        HOST="127.0.0.1",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    env.pop("BROKER_URL", None)
    with run_api(env, log_path=tmp_path_factory.mktemp("api") / "api.log") as base_url:
        yield base_url


@pytest.fixture
def api(api_server: str, database_url: str) -> str:
    """The running API's base URL, over an empty database."""
    truncate_all(database_url)
    return api_server


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's server: SQS and SNS over the real wire protocol, for the session."""
    with embedded.aws_emulator() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server: TEST_REDIS_URL's, or an embedded one for the session."""
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    with embedded.redis() as url:
        yield url


@dataclasses.dataclass(frozen=True)
class Stack:
    """The running services of one end-to-end set-up, and the environment they were given."""

    base_url: str
    env: dict[str, str]
    logs: Path
    inbox_url: str  # an SQS queue subscribed (raw) to the SNS topic: what a subscriber receives

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


# Short backoffs so a failing job reaches FAILURE in seconds; the contract is the same.
E2E_WORKER_SETTINGS = {
    "WORKER_MAX_RETRIES": "2",
    "WORKER_MIN_BACKOFF_MS": "200",
    "WORKER_MAX_BACKOFF_MS": "1000",
    "WORKER_TIME_LIMIT_MS": "20000",
    "NOTIFY_MAX_RETRIES": "2",
    "NOTIFY_MIN_BACKOFF_MS": "200",
    "NOTIFY_MAX_BACKOFF_MS": "1000",
    "NOTIFY_TIME_LIMIT_MS": "20000",
    "NOTIFY_CLAIM_LEASE_S": "30",
    # The calendar-worker's clean-up every second, so tests see it act (a pass is a few small statements).
    "HOUSEKEEPING_INTERVAL_S": "1",
}


# For a test that also runs against the images under docker compose:
# @pytest.mark.parametrize("stack", EVERY_STACK, indirect=True)
EVERY_STACK = ["sqs", "redis", pytest.param("containers", marks=pytest.mark.containers)]


@pytest.fixture(scope="session", params=["sqs", "redis"])
def stack(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The API (gunicorn), the calendar-worker and the notifier (Dramatiq's CLI) as their images
    run them, over a real broker: SQS on moto's server, then Redis; SNS on moto's server for both.
    Each set-up has its own queue namespace and topic. "containers": the images themselves, under
    docker compose (container_fixtures.py)."""
    from taskoverflow_shared.provisioning import provision_queues, provision_topic

    from .aws_resources import subscribe_queue

    kind = request.param
    if kind == "containers":
        yield request.getfixturevalue("container_stack")
        return
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(
        DATABASE_URL=database_url,
        PORT=str(port),
        HOST="127.0.0.1",
        PUBLIC_BASE_URL=base_url,
        WEB_CONCURRENCY="2",
        WORKER_PROCESSES="1",
        WORKER_THREADS="4",
        QUEUE_NAMESPACE=f"e2e{uuid.uuid4().hex[:8]}",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        SQS_VISIBILITY_TIMEOUT="60",
        **E2E_WORKER_SETTINGS,
    )
    env["AWS_ENDPOINT_URL"] = request.getfixturevalue("aws_endpoint")
    if kind == "sqs":
        env["BROKER_URL"] = "sqs://"
        provision_queues(env)
    else:
        env["BROKER_URL"] = request.getfixturevalue("redis_url")
    env["SNS_TOPIC_ARN"] = provision_topic(env, f"{env['QUEUE_NAMESPACE']}-notifications")
    inbox_url = subscribe_queue(env, env["SNS_TOPIC_ARN"], f"{env['QUEUE_NAMESPACE']}_inbox")
    logs = tmp_path_factory.mktemp(f"stack-{kind}")
    with contextlib.ExitStack() as services:
        services.enter_context(run_api(env, log_path=logs / "api.log"))
        for name, module in (
            ("calendar-worker", "taskoverflow_calendar_worker"),
            ("notifier", "taskoverflow_notifier"),
        ):
            services.enter_context(run_consumer(module, env, log_path=logs / f"{name}.log"))
        yield Stack(base_url, env, logs, inbox_url)
