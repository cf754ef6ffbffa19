"""Dramatiq's Retries, except for outages: a message whose handling failed because the database or
the broker was away is sent again with its own backoff and keeps every retry it had, so an outage of
any length never dead-letters a healthy message (the reconciler's deadline still bounds the job)."""

from __future__ import annotations

from typing import Any

import dramatiq
import structlog
from dramatiq.common import compute_backoff
from dramatiq.middleware import Retries

from .infrastructure import is_outage

log = structlog.get_logger(__name__)


class OutageRetries(Retries):
    def __init__(self, *, outage_min_backoff_ms: int, outage_max_backoff_ms: int, **retries: Any) -> None:
        super().__init__(**retries)
        self.outage_min_backoff_ms = outage_min_backoff_ms
        self.outage_max_backoff_ms = outage_max_backoff_ms

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not is_outage(exception):
            super().after_process_message(broker, message, result=result, exception=exception)  # type: ignore[no-untyped-call]
            return
        outages = int(message.options.get("outages", 0))
        message.options["outages"] = outages + 1
        _, delay = compute_backoff(
            outages, factor=self.outage_min_backoff_ms, max_backoff=self.outage_max_backoff_ms, jitter=True
        )
        log.warning(
            "dependency_unavailable_will_retry",
            message_id=message.message_id,
            outages=outages + 1,
            retry_in_ms=delay,
            error=f"{type(exception).__name__}: {exception}"[:300],
        )
        # If this send fails too (the broker is the one away), the message is acknowledged unsent:
        # the job stays unfinished and the reconciler sends it again.
        broker.enqueue(message, delay=delay)  # type: ignore[arg-type]  # the proxy, as Retries itself sends it
