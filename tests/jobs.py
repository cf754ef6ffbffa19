"""Helpers the end-to-end tests share: waiting for a job, for the queues to go quiet, for what was
dead-lettered or notified. Every wait polls with a deadline (taskoverflow_devstack.waiting)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import redis
import requests

from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.provisioning import aws_client
from taskoverflow_shared.routing import ALL_QUEUES

FINISHED = ("SUCCESS", "FAILURE")


def wait_for_job(status_url: str, *, until: tuple[str, ...] = FINISHED, timeout: float = 60) -> dict[str, Any]:
    """Poll a job's status URL until it is in one of `until`; the timeout names the last status seen."""

    def reached() -> dict[str, Any] | None:
        response = requests.get(status_url, timeout=5)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["task_status"] in until else None

    return wait_until(reached, timeout=timeout, what=f"job at {status_url} in {until}", interval=0.1)


def _uses_sqs(env: Mapping[str, str]) -> bool:
    return env["BROKER_URL"].startswith("sqs://")


def queues_are_quiet(env: Mapping[str, str]) -> bool:
    """No message waiting, in flight or delayed for a retry, on any of the services' queues."""
    namespace = env["QUEUE_NAMESPACE"]
    if _uses_sqs(env):
        sqs = aws_client("sqs", env)
        counts = (
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        )
        for queue in ALL_QUEUES:
            url = sqs.get_queue_url(QueueName=f"{namespace}_{queue}")["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(counts))["Attributes"]
            if any(int(attributes[name]) for name in counts):
                return False
        return True
    # Dramatiq's Redis broker keeps each message in `<queue>.msgs` (or `.DQ.msgs` while delayed)
    # until the consumer acknowledges it.
    client = redis.Redis.from_url(env["BROKER_URL"])
    return not any(client.hlen(f"{namespace}:{queue}{part}.msgs") for queue in ALL_QUEUES for part in ("", ".DQ"))


def wait_for_quiet_queues(env: Mapping[str, str], *, timeout: float = 60) -> None:
    """Until every message sent so far has been handled to the end (retries included)."""
    wait_until(lambda: queues_are_quiet(env), timeout=timeout, what="the queues to be empty", interval=0.2)


def dead_lettered_bodies(env: Mapping[str, str], queue: str, *, containing: bytes, timeout: float = 30) -> list[bytes]:
    """The raw Dramatiq message bodies in `queue`'s dead-letter queue, once one holds `containing`.

    A message is dead-lettered after its actor gave up, which is after the job shows FAILURE:
    read once, the queue may not hold it yet."""
    namespace = env["QUEUE_NAMESPACE"]
    bodies: list[bytes] = []
    if _uses_sqs(env):
        sqs = aws_client("sqs", env)
        url = sqs.get_queue_url(QueueName=f"{namespace}_{queue}_dlq")["QueueUrl"]

        def read() -> list[bytes]:
            # A received message turns invisible for a while: keep what each poll saw.
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            bodies.extend(base64.b64decode(m["Body"]) for m in messages)
            return bodies
    else:
        client = redis.Redis.from_url(env["BROKER_URL"])

        def read() -> list[bytes]:
            bodies[:] = list(client.hgetall(f"{namespace}:{queue}.XQ.msgs").values())
            return bodies

    wait_until(
        lambda: any(containing in body for body in read()), timeout=timeout, what=f"{containing!r} dead-lettered"
    )
    return bodies


def notifications_for(env: Mapping[str, str], inbox_url: str, job_id: str) -> list[dict[str, Any]]:
    """Every notification a subscriber received for `job_id`, each {"body", "attributes"}.

    Read only once the queues are quiet: every announcement sent so far has been published (or
    has failed for good), so a duplicate would be in the inbox by then, not on its way."""
    wait_for_quiet_queues(env)
    sqs = aws_client("sqs", env)
    found: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=inbox_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            sqs.delete_message(QueueUrl=inbox_url, ReceiptHandle=message["ReceiptHandle"])
            attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
            if attributes.get("job_id") == job_id:
                found.append({"body": message["Body"], "attributes": attributes})
