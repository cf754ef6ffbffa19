"""The one place the notifier is wired: settings (and, in tests, fakes) in, a declared actor out."""

from __future__ import annotations

import dataclasses
from typing import Any

import dramatiq

from taskoverflow_shared.broker import set_up_broker
from taskoverflow_shared.db import Database

from . import consumer
from .batching import BatchingPublisher
from .config import NotifierSettings
from .handler import NotificationHandler
from .ports import NotificationStore, Publisher
from .postgres import PostgresNotificationStore


@dataclasses.dataclass(frozen=True)
class Notifier:
    broker: dramatiq.Broker
    handler: NotificationHandler
    actor: dramatiq.Actor[Any, None]


def bootstrap(
    settings: NotifierSettings,
    *,
    broker: dramatiq.Broker | None = None,
    store: NotificationStore | None = None,
    publisher: Publisher | None = None,
) -> Notifier:
    """Wire the notifier: the broker (or `broker`), the notifications table (or `store`), SNS in
    batches (or `publisher`), the handler, and the notify_calendar_job_finished actor."""
    if broker is None:
        broker = set_up_broker(settings.broker)
    if store is None:
        database = Database(settings.database_url, max_connections=settings.consumer.threads + 1)
        store = PostgresNotificationStore(database, lease_s=settings.claim_lease_s)
    if publisher is None:
        # Imported here: boto3 is the SNS adapter's business, and tests with a fake need none of it.
        from .sns import SnsPublisher

        sns = SnsPublisher(
            settings.sns_topic_arn, region=settings.sns_region, endpoint_url=settings.broker.endpoint_url
        )
        # The process's actor threads publishing within the linger share one PublishBatch call (up
        # to ten): cheaper per message for SNS and for boto3.
        publisher = BatchingPublisher(sns.publish_batch, linger_s=settings.batch_linger_ms / 1000)
    handler = NotificationHandler(store, publisher, base_url=settings.public_base_url)
    return Notifier(broker, handler, consumer.declare(broker, handler, settings.consumer))
