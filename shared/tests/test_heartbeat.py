"""The workers' heartbeat: a file per worker process, touched each time its consumer comes back from a
poll, and the check the images' HEALTHCHECK runs on those files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import dramatiq
from dramatiq.brokers.stub import StubBroker

from taskoverflow_shared.heartbeat import check, reset
from taskoverflow_shared.heartbeat_middleware import Heartbeat


def beat_file(directory: Path, pid: int, age_s: float = 0) -> Path:
    path = directory / f"{pid}.beat"
    path.touch()
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_a_consumer_coming_back_from_an_empty_poll_is_a_beat(tmp_path: Path) -> None:
    # Given a broker whose worker process booted with the heartbeat
    broker = StubBroker()
    broker.declare_queue("ical")
    heartbeat = Heartbeat(tmp_path)
    broker.add_middleware(heartbeat)
    broker.emit_after("process_boot")

    # When its consumer polls an empty queue once (Dramatiq's consumer thread does this in a loop)
    consumer = broker.consume("ical", timeout=10)
    assert next(consumer) is None

    # Then this process's beat is there and fresh, and it is gone once the worker shuts down
    assert [p.name for p in tmp_path.iterdir()] == [f"{os.getpid()}.beat"]
    assert check(tmp_path, max_age_s=5) == (True, "1 worker process(es) polled their queue within 5 s")
    heartbeat.before_worker_shutdown(broker, worker=None)
    assert list(tmp_path.iterdir()) == []


def test_messages_come_through_the_wrapped_consumer_and_are_acked_as_before(tmp_path: Path) -> None:
    broker = StubBroker()
    broker.declare_queue("ical")
    broker.add_middleware(Heartbeat(tmp_path))
    broker.emit_after("process_boot")
    broker.enqueue(dramatiq.Message(queue_name="ical", actor_name="generate_calendar", args=(), kwargs={}, options={}))

    consumer = broker.consume("ical", timeout=10)
    message = next(iter(consumer))
    consumer.ack(message)

    assert message.actor_name == "generate_calendar"
    broker.join("ical", timeout=1000)  # raises QueueJoinTimeout unless the message was acked


def test_no_beat_yet_is_unhealthy(tmp_path: Path) -> None:
    healthy, why = check(tmp_path)
    assert not healthy and "no worker process has polled its queue yet" in why


def test_one_process_that_stopped_polling_makes_the_container_unhealthy(tmp_path: Path) -> None:
    beat_file(tmp_path, 7)
    beat_file(tmp_path, 8, age_s=45)

    healthy, why = check(tmp_path, max_age_s=30)

    assert not healthy
    assert why == "worker process not polling its queue: PID 8 45 s ago (limit 30 s)"


def test_reset_forgets_the_beats_of_an_earlier_run(tmp_path: Path) -> None:
    directory = tmp_path / "heartbeat"
    directory.mkdir()
    beat_file(directory, 7, age_s=3600)

    reset(directory)

    assert list(directory.iterdir()) == []


def test_the_health_check_command_says_why_and_exits_1(tmp_path: Path) -> None:
    beat_file(tmp_path, 9, age_s=100)
    command = [sys.executable, "-m", "taskoverflow_shared.heartbeat", "--max-age", "30"]

    stale = subprocess.run(command, env={**os.environ, "HEARTBEAT_DIR": str(tmp_path)}, capture_output=True, text=True)
    unset = subprocess.run(
        command, env={k: v for k, v in os.environ.items() if k != "HEARTBEAT_DIR"}, capture_output=True, text=True
    )

    # (the beat's age is read when the command runs: a second or so after it was written, on a busy machine)
    said = re.fullmatch(r"worker process not polling its queue: PID 9 (\d+) s ago \(limit 30 s\)", stale.stderr.strip())
    assert stale.returncode == 1 and said is not None and 100 <= int(said[1]) < 130
    assert unset.returncode == 1 and "HEARTBEAT_DIR is not set" in unset.stderr
