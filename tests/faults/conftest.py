"""Fixtures of the fault suite: one PostgreSQL of its own (the tests stop it), one stack per broker
for the whole session. Nothing is emptied between tests: each counts only the jobs it submitted, and
a late duplicate delivery of an earlier test's job still finds its row (finished: nothing to do)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskoverflow_devstack import embedded

from fault_stack import FaultStack, Postgres, running_stack


@pytest.fixture(scope="session")
def fault_root() -> Iterator[Path]:
    # Not under pytest's temp folder: pgserver runs PostgreSQL as its own user (see pytest_plugin.py).
    root = Path(tempfile.mkdtemp(prefix="taskoverflow-faults-"))
    root.chmod(0o755)
    yield root
    # FAULT_KEEP=1 keeps the services' logs for a look.
    if not os.environ.get("FAULT_KEEP"):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def fault_postgres(fault_root: Path) -> Iterator[Postgres]:
    postgres = Postgres(fault_root / "postgres" / "data")
    yield postgres
    postgres.close()


@pytest.fixture(scope="session")
def sns_endpoint(fault_root: Path) -> Iterator[str]:
    """moto's server for SNS when the broker is Redis (the SQS stack's own emulator does both)."""
    with embedded.aws_emulator(log_path=fault_root / "sns-moto.log") as endpoint:
        yield endpoint


@pytest.fixture(scope="session", params=["sqs", "redis"])
def any_stack(request: pytest.FixtureRequest) -> FaultStack:
    stack: FaultStack = request.getfixturevalue(f"{request.param}_stack")
    return stack


@pytest.fixture(scope="session")
def sqs_stack(fault_root: Path, fault_postgres: Postgres, sns_endpoint: str) -> Iterator[FaultStack]:
    with running_stack("sqs", fault_root / "sqs", fault_postgres, sns_endpoint) as stack:
        yield stack


@pytest.fixture(scope="session")
def redis_stack(fault_root: Path, fault_postgres: Postgres, sns_endpoint: str) -> Iterator[FaultStack]:
    with running_stack("redis", fault_root / "redis", fault_postgres, sns_endpoint) as stack:
        yield stack


@pytest.fixture
def stack(any_stack: FaultStack) -> FaultStack:
    return any_stack
