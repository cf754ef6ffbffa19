"""`python -m taskoverflow_shared.dlq list|redrive` (`make dlq`): what the services' dead-letter queues
hold, and sending it back to be processed again. SQS (`<namespace>_<queue>_dlq`) or Redis (Dramatiq's
`<namespace>:<queue>.XQ`), from the services' own variables (BROKER_URL, QUEUE_NAMESPACE, AWS_*).

A re-driven Dramatiq message starts over: its retry counts are reset, so it gets every attempt again
(the workers are idempotent: a job that ended meanwhile is not rebuilt). A body that is not a
Dramatiq message is listed, and left where it is: sending it back would only dead-letter it again.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from base64 import b64decode, b64encode
from collections.abc import Iterator, Mapping
from typing import Any

import dramatiq

from .broker import BrokerSettings
from .routing import ALL_QUEUES
from .settings import ConfigError

# Long enough to send a message back before SQS shows it to another reader; short enough that a
# listing does not hide the messages from the next one for long.
_SQS_HOLD_S = 10
_RESET = ("retries", "outages", "traceback", "requeue_timestamp")


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    queue: str
    message: dramatiq.Message[Any] | None  # None: the body is not a Dramatiq message
    raw: bytes

    def describe(self) -> str:
        if self.message is None:
            return f"{self.queue}: undecodable body {self.raw[:120]!r}"
        args = self.message.args[0] if self.message.args else {}
        job_id = args.get("job_id") if isinstance(args, dict) else None
        retries = self.message.options.get("retries", 0)
        return f"{self.queue}: {self.message.actor_name} job_id={job_id} message_id={self.message.message_id} retries={retries}"


def _decode(raw: bytes) -> dramatiq.Message[Any] | None:
    try:
        return dramatiq.Message.decode(raw)
    except Exception:  # noqa: BLE001 - whatever the decoder raises, it is not a message
        return None


def _fresh(message: dramatiq.Message[Any]) -> dramatiq.Message[Any]:
    options = {k: v for k, v in message.options.items() if k not in _RESET}
    return message.copy(options=options)


class SqsDeadLetters:
    def __init__(self, config: BrokerSettings, env: Mapping[str, str]) -> None:
        from .provisioning import aws_client

        self.sqs = aws_client("sqs", env)
        self.namespace = config.namespace

    def _url(self, name: str) -> str:
        url: str = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return url

    def _received(self, queue: str) -> Iterator[tuple[DeadLetter, str]]:
        url = self._url(f"{self.namespace}_{queue}_dlq")
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=_SQS_HOLD_S, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return
            for received in batch:
                try:
                    raw = b64decode(received["Body"], validate=True)
                except ValueError:
                    raw = received["Body"].encode()
                yield DeadLetter(queue, _decode(raw), raw), received["ReceiptHandle"]

    def _show_again(self, url: str, receipts: list[str]) -> None:
        """Reading hid them (a receive does); what stays must be left as it was found."""
        for start in range(0, len(receipts), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": receipt, "VisibilityTimeout": 0}
                for i, receipt in enumerate(receipts[start : start + 10])
            ]
            self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)

    def list(self, queue: str) -> list[DeadLetter]:
        received = list(self._received(queue))
        self._show_again(self._url(f"{self.namespace}_{queue}_dlq"), [receipt for _, receipt in received])
        return [letter for letter, _ in received]

    def redrive(self, queue: str) -> tuple[int, int]:
        target = self._url(f"{self.namespace}_{queue}")
        dlq = self._url(f"{self.namespace}_{queue}_dlq")
        sent = 0
        kept: list[str] = []
        # All of them first: a message sent back that fails again must not come round in this same pass.
        for letter, receipt in list(self._received(queue)):
            if letter.message is None:
                kept.append(receipt)
                continue
            body = b64encode(_fresh(letter.message).encode()).decode()
            self.sqs.send_message(QueueUrl=target, MessageBody=body)
            self.sqs.delete_message(QueueUrl=dlq, ReceiptHandle=receipt)
            sent += 1
        self._show_again(dlq, kept)
        return sent, len(kept)


class RedisDeadLetters:
    def __init__(self, config: BrokerSettings) -> None:
        import redis

        from .broker import build_broker

        self.client = redis.Redis.from_url(config.url, socket_connect_timeout=5, socket_timeout=10)
        self.namespace = config.namespace
        self.broker = build_broker(config)
        for queue in ALL_QUEUES:
            self.broker.declare_queue(queue)

    def _key(self, queue: str) -> str:
        return f"{self.namespace}:{queue}.XQ"

    def _letters(self, queue: str) -> list[tuple[DeadLetter, bytes]]:
        stored: dict[bytes, bytes] = self.client.hgetall(f"{self._key(queue)}.msgs")  # type: ignore[assignment]  # redis-py types sync and async alike
        return [(DeadLetter(queue, _decode(raw), raw), message_id) for message_id, raw in stored.items()]

    def list(self, queue: str) -> list[DeadLetter]:
        return [letter for letter, _ in self._letters(queue)]

    def redrive(self, queue: str) -> tuple[int, int]:
        sent = left = 0
        for letter, message_id in self._letters(queue):
            if letter.message is None:
                left += 1
                continue
            self.broker.enqueue(_fresh(letter.message))
            self.client.hdel(f"{self._key(queue)}.msgs", message_id)
            self.client.zrem(self._key(queue), message_id)
            sent += 1
        return sent, left


def dead_letters(env: Mapping[str, str]) -> SqsDeadLetters | RedisDeadLetters:
    config = BrokerSettings.from_env(env)
    return SqsDeadLetters(config, env) if config.is_sqs else RedisDeadLetters(config)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="make dlq", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["list", "redrive"], nargs="?", default="list")
    parser.add_argument("--queue", choices=ALL_QUEUES, action="append", help="one queue (default: every queue)")
    args = parser.parse_args(argv)
    try:
        letters = dead_letters(os.environ if env is None else env)
    except ConfigError as exc:
        print(f"make dlq: {exc}", file=sys.stderr)
        return 2
    for queue in args.queue or ALL_QUEUES:
        if args.action == "list":
            found = letters.list(queue)
            for letter in found:
                print(letter.describe())
            print(f"{queue}: {len(found)} dead-lettered")
        else:
            sent, left = letters.redrive(queue)
            print(
                f"{queue}: {sent} re-driven" + (f", {left} undecodable left in the dead-letter queue" if left else "")
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
