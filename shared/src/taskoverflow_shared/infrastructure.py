"""Telling a sick dependency from a job's own error: a database or broker that is away, refusing or
timing out says nothing about the job, so it must not spend the job's retries."""

from __future__ import annotations

import functools

import psycopg2


@functools.cache
def _outage_types() -> tuple[type[BaseException], ...]:
    import botocore.exceptions
    import dramatiq.errors
    import redis.exceptions

    return (
        # Connection refused or lost, server shutting down, connect_timeout, statement_timeout.
        psycopg2.OperationalError,
        psycopg2.InterfaceError,
        # Endpoint unreachable, connect or read timeout (SQS, SNS).
        botocore.exceptions.ConnectionError,
        botocore.exceptions.HTTPClientError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        dramatiq.errors.BrokerConnectionError,
    )


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says a dependency is unavailable (retry later), not that the work is wrong."""
    return isinstance(exc, _outage_types())
