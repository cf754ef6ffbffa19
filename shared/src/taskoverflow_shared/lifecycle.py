"""How long a calendar job's result is kept: the API answers 410 after it, the calendar-worker's
clean-up removes the .ics then, and the row itself later (Celery's `result_expires` is the anchor)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

DEFAULT_RESULT_EXPIRES_S = 7 * 24 * 3600
# The row (status 410) outlives its result this long, then is deleted (status 404).
DEFAULT_JOB_ROWS_KEPT_S = 30 * 24 * 3600

ResultExpiresS = Annotated[int, Field(ge=1, le=10 * 365 * 24 * 3600)]
