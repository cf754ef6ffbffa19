"""Long-polls a queue and hands each message on, deleting it once it has been shown."""

import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from queue_demo.check import Arrival
from queue_demo.publisher import CLIENT_ATTRIBUTE

LONG_POLL_SECONDS = 20  # the most SQS allows
BATCH_SIZE = 10  # likewise
# A batch is shown and deleted in well under a second. Kept short because a
# long poll cut off by Ctrl-C can still take messages, which then stay hidden
# this long (and on a FIFO queue hold up their whole group): 10 s, not 30.
VISIBILITY_SECONDS = 10
UNKNOWN_CLIENT = "unknown"


def client_of(message: dict) -> str:
    # A message from another tool may lack the attribute or carry it as binary.
    attribute = message.get("MessageAttributes", {}).get(CLIENT_ATTRIBUTE, {})
    return attribute.get("StringValue") or UNKNOWN_CLIENT


def receive(
    client,
    queue_url: str,
    on_arrival: Callable[[Arrival], None],
    *,
    idle_exit: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    held: Callable[[], AbstractContextManager] = nullcontext,
) -> None:
    """Receive until interrupted or, with idle_exit, until that many seconds pass quietly."""
    last_arrival = clock()
    while True:
        wait = LONG_POLL_SECONDS
        if idle_exit is not None:
            remaining = idle_exit - (clock() - last_arrival)
            if remaining <= 0:
                return
            wait = min(wait, math.ceil(remaining))
        messages = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=wait,
            VisibilityTimeout=VISIBILITY_SECONDS,
            MessageAttributeNames=[CLIENT_ATTRIBUTE],
        ).get("Messages", [])
        for message in messages:
            # Deleted only after it is shown, so a crash in between brings the
            # message back (at-least-once) rather than losing it; held() keeps
            # a mere Ctrl-C from landing in between.
            with held():
                on_arrival(Arrival(client=client_of(message), body=message["Body"]))
                client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if messages:
            last_arrival = clock()
