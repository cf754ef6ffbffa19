"""The Publisher on Amazon SNS (boto3 is imported here and nowhere else in the notifier)."""

from __future__ import annotations

import boto3
from botocore.config import Config

from .notification import Notification

# Fail fast: an SNS call that hangs holds a worker thread and the job end's claim. Three attempts of
# at most 8 s end within the default NOTIFY_TIME_LIMIT_MS (30 s); botocore's retries ride out a blip,
# Dramatiq's (with backoff) a longer outage.
_CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


class SnsPublisher:
    def __init__(self, topic_arn: str, *, region: str, endpoint_url: str | None = None) -> None:
        self.topic_arn = topic_arn
        # endpoint_url None means AWS itself; set, it is the local emulator.
        self._client = boto3.client("sns", region_name=region, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)

    def publish(self, notification: Notification) -> str:
        response = self._client.publish(
            TopicArn=self.topic_arn,
            Subject=notification.subject,
            Message=notification.body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in notification.attributes.items()
            },
        )
        return str(response["MessageId"])
