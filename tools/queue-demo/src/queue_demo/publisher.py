"""Sends the numbered messages that the subscribers and the check count."""

from collections.abc import Iterable, Iterator

CLIENT_ATTRIBUTE = "client"


def message_body(prepend: str, number: int) -> str:
    return f"{prepend}Message {number}"


def publish(
    client,
    queue_url: str,
    *,
    client_name: str,
    numbers: Iterable[int],
    prepend: str = "",
    fifo: bool = False,
) -> Iterator[int]:
    """Send one message per number, yielding each number once it is sent."""
    # One message group per publisher: FIFO order is kept within a group,
    # so each client's messages stay in order while clients can interleave.
    group = {"MessageGroupId": client_name} if fifo else {}
    for number in numbers:
        client.send_message(
            QueueUrl=queue_url,
            MessageBody=message_body(prepend, number),
            MessageAttributes={CLIENT_ATTRIBUTE: {"DataType": "String", "StringValue": client_name}},
            **group,
        )
        yield number
