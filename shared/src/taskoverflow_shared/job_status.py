"""A calendar job's statuses: the one definition the API, the workers, the OpenAPI document and the
migrations' CHECK constraints follow (Celery's names, so clients of the course's Celery version keep working)."""

from __future__ import annotations

import enum
from typing import Literal


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
FinalStatus = Literal[JobStatus.SUCCESS, JobStatus.FAILURE]


def final(status: JobStatus) -> FinalStatus:
    """The status of a job that ended, typed as such; ValueError for one that has not."""
    if status is JobStatus.SUCCESS:
        return JobStatus.SUCCESS
    if status is JobStatus.FAILURE:
        return JobStatus.FAILURE
    raise ValueError(f"{status} is not a status a job ends in")
