"""A Dramatiq service for the supervisor's tests: one actor whose job takes a while and leaves a
file when it starts and one when it finishes. Run by Dramatiq's CLI (behind our logging) on Redis."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dramatiq
from dramatiq.brokers.redis import RedisBroker

dramatiq.set_broker(RedisBroker(url=os.environ["BROKER_URL"]))


@dramatiq.actor(queue_name=os.environ["DRAIN_QUEUE"], max_retries=0)
def slow_job(marker_dir: str, seconds: float) -> None:
    (Path(marker_dir) / "started").touch()
    time.sleep(seconds)
    (Path(marker_dir) / "finished").touch()
