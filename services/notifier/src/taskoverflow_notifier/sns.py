"""Amazon SNS: the PublishBatch call the notifier's BatchingPublisher sends through (boto3 is imported here and nowhere else in the notifier)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .notification import Notification

# Fail fast: an SNS call that hangs holds a worker thread and the job end's claim. Three attempts of
# at most 8 s end within the default NOTIFY_TIME_LIMIT_MS (30 s); botocore's retries ride out a blip,
# Dramatiq's (with backoff) a longer outage. They also bound how long a publish waits on the batch
# ahead of it (batching.py).
_CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


class SnsPublisher:
    def __init__(self, topic_arn: str, *, region: str, endpoint_url: str | None = None) -> None:
        self.topic_arn = topic_arn
        # endpoint_url None means AWS itself; set, it is the local emulator.
        self._client = boto3.client("sns", region_name=region, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)

    def publish_batch(self, notifications: Sequence[Notification]) -> list[str | Exception]:
        """Up to ten notifications in one PublishBatch call: per notification, in order, its message id
        or a ClientError for an entry SNS refused. Raises when the call itself fails.

        SNS refuses a whole batch over 256 KiB; ten notifications stay far below (a failure reason is
        capped at 1,000 characters, notification.py)."""
        response = self._client.publish_batch(
            TopicArn=self.topic_arn,
            PublishBatchRequestEntries=[
                {
                    # Unique within the request, which is all SNS asks of an Id: the answer is matched by it.
                    "Id": str(index),
                    "Subject": notification.subject,
                    "Message": notification.body,
                    "MessageAttributes": _message_attributes(notification),
                }
                for index, notification in enumerate(notifications)
            ],
        )
        sent = {entry["Id"]: str(entry["MessageId"]) for entry in response.get("Successful", [])}
        refused = {entry["Id"]: entry for entry in response.get("Failed", [])}
        results: list[str | Exception] = []
        for index in range(len(notifications)):
            entry_id = str(index)
            if entry_id in sent:
                results.append(sent[entry_id])
            elif entry_id in refused:
                results.append(_entry_error(refused[entry_id]))
            else:
                # Neither: not sent as far as anyone can tell (moto drops an entry that fails unexpectedly).
                results.append(RuntimeError(f"SNS PublishBatch reported nothing for entry {entry_id}"))
        return results


def _message_attributes(notification: Notification) -> dict[str, dict[str, str]]:
    return {name: {"DataType": "String", "StringValue": value} for name, value in notification.attributes.items()}


def _entry_error(failed: Mapping[str, Any]) -> ClientError:
    """A refused entry as the ClientError a lone Publish refused the same way raises: same code, same handling."""
    error = {
        "Code": str(failed["Code"]),
        "Message": str(failed.get("Message", "")),
        "Type": "Sender" if failed.get("SenderFault") else "Receiver",
    }
    return ClientError({"Error": error}, "PublishBatch")
