"""One job end -> at most one notification: claim, publish, confirm. Free of Dramatiq and boto3, tested with fakes."""

from __future__ import annotations

import structlog

from taskoverflow_shared.messages import CalendarJobFinished

from .notification import compose
from .ports import ClaimState, NotificationStore, Publisher

log = structlog.get_logger(__name__)


class NotificationInFlight(Exception):
    """Another delivery holds the claim: retry once its lease has run out, when it has either
    published (the retry skips) or died (the retry takes over)."""

    def __init__(self, job_id: str, status: str, retry_after_s: float) -> None:
        super().__init__(f"notification for job {job_id} ({status}) is being published by another delivery")
        self.retry_after_s = retry_after_s


class NotificationHandler:
    def __init__(self, store: NotificationStore, publisher: Publisher, *, base_url: str) -> None:
        self.store = store
        self.publisher = publisher
        self.base_url = base_url

    def handle(self, finished: CalendarJobFinished) -> None:
        """Publish the job end's notification unless a delivery already did. Raises to ask for a retry."""
        notification = compose(finished, base_url=self.base_url)
        claim = self.store.claim(finished.job_id, notification.status, notification.subject)
        if claim.state is ClaimState.PUBLISHED:
            # A redelivery (SQS is at-least-once, or the worker announced twice): the email went out.
            log.info("notification_already_published", status=finished.status, sns_message_id=claim.sns_message_id)
            return
        if claim.state is ClaimState.IN_FLIGHT:
            # Not acked: if the claim's holder died, this message is the only one left to send it.
            log.info("notification_in_flight", status=finished.status, retry_in_s=round(claim.lease_left_s, 1))
            raise NotificationInFlight(finished.job_id, finished.status, claim.lease_left_s)

        try:
            sns_message_id = self.publisher.publish(notification)
        except BaseException as exc:  # TimeLimitExceeded is not an Exception, and must let go too
            log.warning("notification_publish_failed", status=finished.status, error=f"{type(exc).__name__}: {exc}")
            try:
                self.store.release(claim)
            except Exception:
                log.exception("notification_claim_release_failed")
            raise
        log.info(
            "notification_published",
            job_id=finished.job_id,
            correlation_id=finished.correlation_id,
            status=finished.status,
            subject=notification.subject,
            body=notification.body,
            sns_message_id=sns_message_id,
        )
        # Raising here (database down) keeps the claim: the retry waits out the lease, then publishes
        # again, because SNS took this one and nothing recorded it.
        self.store.confirm(claim, sns_message_id)
