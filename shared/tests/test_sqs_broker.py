"""An SQS body that is not a Dramatiq message goes to the dead-letter queue at its first receive (and
is deleted from the queue); a real message passes through."""

from __future__ import annotations

import dataclasses
from base64 import b64encode

import dramatiq

from taskoverflow_shared.sqs_broker import _PoisonFilteringQueue, is_dramatiq_message


@dataclasses.dataclass
class FakeSqsMessage:
    body: str
    deleted: bool = False

    def delete(self) -> None:
        self.deleted = True


class FakeQueue:
    url = "http://sqs/ical"

    def __init__(self, messages: list[FakeSqsMessage]) -> None:
        self.messages = messages
        self.sent: list[str] = []

    def receive_messages(self, **kwargs: object) -> list[FakeSqsMessage]:
        return self.messages

    def send_message(self, MessageBody: str) -> None:
        self.sent.append(MessageBody)


def encoded(message: dramatiq.Message) -> str:
    return b64encode(message.encode()).decode()


GOOD = encoded(dramatiq.Message(queue_name="ical", actor_name="generate_calendar", args=({},), kwargs={}, options={}))
POISON = [
    "not base64 at all!",
    b64encode(b"not json").decode(),
    b64encode(b'{"json": "but not a message"}').decode(),
    b64encode(b"\xff\xfe").decode(),
    "",
]


def test_only_dramatiq_messages_are_recognised() -> None:
    assert is_dramatiq_message(GOOD)
    assert not any(is_dramatiq_message(body) for body in POISON)


def test_poison_is_dead_lettered_and_deleted_and_messages_pass() -> None:
    received = [FakeSqsMessage(GOOD), *(FakeSqsMessage(body) for body in POISON)]
    queue, dead_letter_queue = FakeQueue(received), FakeQueue([])

    passed = list(_PoisonFilteringQueue(queue, dead_letter_queue).receive_messages(MaxNumberOfMessages=10))

    assert [m.body for m in passed] == [GOOD]
    assert dead_letter_queue.sent == POISON
    assert [m.deleted for m in received] == [False, *([True] * len(POISON))]
