"""Helpers the end-to-end tests share: polling a job with a deadline, reading the dead-letter queue."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping

import requests


def wait_for_job(status_url: str, *, until: tuple[str, ...] = ("SUCCESS", "FAILURE"), timeout: float = 60) -> dict:
    """Poll a job's status URL until it is in one of `until`; fail with the last status seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        response = requests.get(status_url, timeout=5)
        assert response.status_code == 200, response.text
        last = response.json()
        if last["task_status"] in until:
            return last
        time.sleep(0.1)
    raise AssertionError(f"job did not reach {until} within {timeout} s; last status: {last}")


def dead_lettered_bodies(env: Mapping[str, str], queue: str) -> list[bytes]:
    """The raw Dramatiq message bodies in `queue`'s dead-letter queue, for either broker."""
    namespace = env["QUEUE_NAMESPACE"]
    if env["BROKER_URL"].startswith("sqs://"):
        from taskoverflow_shared.provisioning import aws_client

        sqs = aws_client("sqs", env)
        url = sqs.get_queue_url(QueueName=f"{namespace}_{queue}_dlq")["QueueUrl"]
        bodies, deadline = [], time.monotonic() + 10
        while time.monotonic() < deadline:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            bodies += [base64.b64decode(m["Body"]) for m in messages]
            if bodies:
                break
        return bodies
    import redis

    client = redis.Redis.from_url(env["BROKER_URL"])
    return list(client.hgetall(f"{namespace}:{queue}.XQ.msgs").values())


def notifications_for(env: Mapping[str, str], inbox_url: str, job_id: str, *, timeout: float = 30, settle: float = 3) -> list[dict]:
    """The notifications a subscriber received for `job_id`: waits for the first, then `settle`
    seconds more so a duplicate would be seen too. Each is {"body", "attributes"}."""
    from taskoverflow_shared.provisioning import aws_client

    sqs = aws_client("sqs", env)
    found: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = sqs.receive_message(
            QueueUrl=inbox_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        )
        for message in response.get("Messages", []):
            sqs.delete_message(QueueUrl=inbox_url, ReceiptHandle=message["ReceiptHandle"])
            attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
            if attributes.get("job_id") == job_id:
                found.append({"body": message["Body"], "attributes": attributes})
        if found and deadline - time.monotonic() > settle:
            deadline = time.monotonic() + settle
    return found
