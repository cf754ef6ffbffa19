"""`make up` on local processes, run as a user runs it: the real services on embedded PostgreSQL and the
AWS emulator, under the supervisor; and the embedded Redis keeping what was queued across a restart."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
import requests
from dramatiq.brokers.redis import RedisBroker

from taskoverflow_devstack import embedded
from taskoverflow_devstack.json_log import events, wait_for_event
from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.waiting import wait_until

pytestmark = pytest.mark.integration

# What `make up` must not inherit from the test session: it would point the stack at other servers.
NOT_INHERITED = ("DATABASE_URL", "BROKER_URL", "BROKER", "AWS_", "SNS_TOPIC_ARN", "PYTEST_", "QUEUE_NAMESPACE")


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # Not under pytest's temp folder (mode 0700): the embedded PostgreSQL runs as its own system user.
    path = Path(tempfile.mkdtemp(prefix="taskoverflow-up-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def job_ends(base_url: str) -> str:
    """Start a calendar job and wait until it has ended; returns its status."""
    accepted = requests.post(f"{base_url}/api/v1/todos/ical", timeout=10)
    assert accepted.status_code == 202, accepted.text
    status_url = accepted.json()["task_url"]

    def ended() -> str | None:
        status = requests.get(status_url, timeout=5).json()["task_status"]
        return status if status in ("SUCCESS", "FAILURE") else None

    return wait_until(ended, timeout=60, what="the calendar job to end", ignoring=(OSError,))


def test_make_up_serves_survives_a_crash_and_a_wedged_emulator_and_stops_in_order(state_dir: Path) -> None:
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    env.update(PORT=str(port), EMULATOR_PORT=str(emulator_port), EMULATOR_WEDGED_AFTER_S="4", LOG_FORMAT="json")
    log = state_dir / "make-up.log"
    command = [sys.executable, "-m", "taskoverflow_devstack.run_mode", "up", "--mode", "local"]
    with open(log, "wb") as output:
        up = subprocess.Popen(
            [*command],
            env={**env, "DEVSTACK_DIR": str(state_dir / "state")},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # `make up` says where the API is, once it answers
        (announced,) = wait_for_event(log, "taskoverflow_up", timeout=180)
        assert announced["url"] == f"http://localhost:{port}"
        base_url = f"http://127.0.0.1:{port}"
        assert job_ends(base_url) == "SUCCESS"

        # A killed calendar-worker is started again, and the stack serves on
        (worker,) = events(log, "program_started", program="calendar-worker")
        os.kill(worker["pid"], signal.SIGKILL)
        wait_for_event(log, "program_restarted", program="calendar-worker", timeout=60)
        assert job_ends(base_url) == "SUCCESS"

        # A wedged emulator (SIGSTOP: it answers nothing, at 0% CPU) is found, started again with its
        # queues and topic, and says what was lost
        (emulator,) = events(log, "program_started", program="aws-emulator")
        os.kill(emulator["pid"], signal.SIGSTOP)
        wait_for_event(log, "program_wedged", program="aws-emulator", timeout=60)
        (restarted,) = wait_for_event(log, "program_restarted", program="aws-emulator", timeout=30)
        assert "messages" in restarted["lost"]
        wait_for_event(log, "emulator_provisioned", count=2, timeout=60)
        assert job_ends(base_url) == "SUCCESS"

        # SIGTERM stops everything: the services first, each drained, then the emulator, then PostgreSQL
        before_stop = len(events(log))
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=120) == 0
    finally:
        if up.poll() is None:
            up.kill()
        for record in events(log, "program_started") + events(log, "program_restarted"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(record["pid"], signal.SIGKILL)

    stopped = [record["program"] for record in events(log, "program_stopped")]
    assert sorted(stopped[:3]) == ["api", "calendar-worker", "notifier"]
    assert stopped[3:] == ["aws-emulator"]
    assert not events(log, "Killing worker process...")
    # (Dramatiq logged a "critical" line under honcho's double SIGTERM; none now)
    assert not [line for line in events(log)[before_stop:] if line.get("level") == "critical"]
    for record in events(log, "program_started") + events(log, "program_restarted"):
        with pytest.raises(ProcessLookupError):
            os.killpg(record["pid"], 0)
    assert not (state_dir / "state" / "postgres" / "postmaster.pid").exists()


def test_the_embedded_redis_keeps_queued_messages_across_a_restart(tmp_path: Path) -> None:
    # Given messages queued on Redis as `make up BROKER=redis` runs it (its data in .devstack/redis)
    data_dir = tmp_path / "redis"
    queued = 20
    with embedded.redis(data_dir=data_dir) as url:
        broker = RedisBroker(url=url)
        for n in range(queued):
            broker.enqueue(dramatiq.Message(queue_name="ical", actor_name="count", args=(n,), kwargs={}, options={}))
        broker.close()

    # When Redis is stopped and started again on the same folder
    with embedded.redis(data_dir=data_dir) as url:
        broker = RedisBroker(url=url)
        seen: list[int] = []

        def count(n: int) -> None:
            seen.append(n)

        dramatiq.actor(count, broker=broker, actor_name="count", queue_name="ical")
        worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=1)
        worker.start()
        try:
            # Then every queued message is still there, and is consumed
            broker.join("ical", timeout=30_000)
        finally:
            worker.stop()
            broker.close()

    assert sorted(seen) == list(range(queued))
