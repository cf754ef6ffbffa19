"""`python -m taskoverflow_notifier` refuses to start without a usable SNS_TOPIC_ARN, before Dramatiq runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("topic_arn", [None, "not-an-arn"])
def test_the_notifier_will_not_start_without_a_topic(topic_arn: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SNS_TOPIC_ARN"}
    # Every other setting is valid, and nothing listens at these addresses: only the topic can stop it.
    env.update(DATABASE_URL="postgresql://taskoverflow@127.0.0.1:9/taskoverflow", BROKER_URL="redis://127.0.0.1:9/0")
    if topic_arn is not None:
        env["SNS_TOPIC_ARN"] = topic_arn

    done = subprocess.run(
        [sys.executable, "-m", "taskoverflow_notifier"], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2, done.stderr
    assert "SNS_TOPIC_ARN" in done.stderr
    assert done.stderr.startswith("notifier: configuration error:")
