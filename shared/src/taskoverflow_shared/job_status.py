"""A calendar job's statuses: the one definition the API, the workers, the OpenAPI document and the
migrations' CHECK constraints follow (Celery's names, so clients of the course's Celery version keep working)."""

from __future__ import annotations

import enum


class JobStatus(enum.StrEnum):
    PENDING = "PENDING"
    STARTED = "STARTED"
    RETRY = "RETRY"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"

    @property
    def finished(self) -> bool:
        """A job that ended never moves again."""
        return self in FINISHED


FINISHED = frozenset({JobStatus.SUCCESS, JobStatus.FAILURE})
