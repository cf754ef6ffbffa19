"""The periodic clean-up every calendar-worker process runs (one at a time, across processes and
tasks, under a PostgreSQL advisory lock):

- a finished job's result (.ics and snapshot) is removed once it expires (RESULT_EXPIRES_S), its row
  (410 from the API) later (JOB_ROWS_KEPT_S), and so is the record of a cancelled job;
- feed calendars that are stale without a build queued (a send that failed, a build whose retries
  ran out), whose queued build is long overdue (a lost message), or that have a window and were
  built longer ago than FEED_WINDOW_REBUILD_S (todos come into a window as time passes) are queued;
- a calendar nobody subscribes to any more loses its text.

A thread started after each worker process boots (a Dramatiq middleware), so it runs wherever the
worker runs: under `make up`, in the image, on ECS."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
import structlog

from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import BuildFeedCalendar

log = structlog.get_logger(__name__)

# Any fixed 64-bit number, distinct from the migrations' lock.
_LOCK_ID = 640_064_013
_LIVE = "EXISTS (SELECT 1 FROM calendar_feeds f WHERE f.calendar_id = c.id AND f.revoked_at IS NULL)"
_NOW_UTC = "(now() AT TIME ZONE 'UTC')"
# A build queued longer ago than this was lost (a delayed message waits seconds, not minutes).
_OVERDUE = "interval '5 minutes'"


@dataclasses.dataclass(frozen=True)
class Retention:
    result_expires_s: int
    job_rows_kept_s: int
    feed_window_rebuild_s: int


@dataclasses.dataclass(frozen=True)
class Swept:
    results_expired: int
    jobs_deleted: int
    feeds_queued: list[str]
    calendars_dropped: int


def sweep(db: Database, retention: Retention) -> Swept | None:
    """One pass; None when another process is running one."""
    with db.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (_LOCK_ID,))
        row = cur.fetchone()
        if row is None or not row[0]:
            return None
        # The snapshot is json, which has no equality operator: its text is compared.
        cur.execute(
            "UPDATE calendar_jobs SET ics = NULL, todos = '[]'::json"
            f" WHERE finished_at <= {_NOW_UTC} - make_interval(secs => %s)"
            " AND (ics IS NOT NULL OR todos::text <> '[]')",
            (retention.result_expires_s,),
        )
        expired = cur.rowcount
        cur.execute(
            f"DELETE FROM calendar_jobs WHERE finished_at <= {_NOW_UTC} - make_interval(secs => %s)",
            (retention.job_rows_kept_s,),
        )
        deleted = cur.rowcount
        # A cancelled job's message is long handled (or dead) by then.
        cur.execute(
            "DELETE FROM cancelled_calendar_jobs WHERE cancelled_at <= now() - make_interval(secs => %s)",
            (retention.job_rows_kept_s,),
        )
        cur.execute(
            f"UPDATE feed_calendars c SET build_queued_at = now() WHERE {_LIVE} AND ("
            "  (build_queued_at IS NULL AND (built_at IS NULL OR edited_at > built_at))"
            f" OR build_queued_at < now() - {_OVERDUE}"
            "  OR (build_queued_at IS NULL AND window_days IS NOT NULL"
            "      AND built_at < now() - make_interval(secs => %s)))"
            " RETURNING id::text",
            (retention.feed_window_rebuild_s,),
        )
        queued = [r[0] for r in cur.fetchall()]
        cur.execute(
            "UPDATE feed_calendars c SET ics = NULL, etag = NULL, event_count = NULL, built_at = NULL"
            f" WHERE ics IS NOT NULL AND NOT {_LIVE}"
        )
        dropped = cur.rowcount
    return Swept(expired, deleted, queued, dropped)


class Housekeeping(dramatiq.Middleware):
    """Runs `sweep` every `interval_s` in a daemon thread of each worker process, and sends the rebuilds it queued."""

    def __init__(
        self, db: Database, retention: Retention, send: Callable[[BuildFeedCalendar], None], *, interval_s: float
    ) -> None:
        self.db = db
        self.retention = retention
        self.send = send
        self.interval_s = interval_s
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        threading.Thread(target=self._run, name="housekeeping", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def _run(self) -> None:
        # Spread the processes' first passes, so that they do not all try the lock at once.
        first = random.uniform(0, self.interval_s)
        if self._stop.wait(first):
            return
        while True:
            self.run_once()
            if self._stop.wait(self.interval_s):
                return

    def run_once(self) -> Swept | None:
        try:
            swept = sweep(self.db, self.retention)
        except Exception as exc:  # noqa: BLE001 - the next pass tries again; the worker keeps consuming
            log.error("housekeeping_failed", error=f"{type(exc).__name__}: {exc}")
            return None
        if swept is None:
            return None
        for calendar_id in swept.feeds_queued:
            try:
                self.send(BuildFeedCalendar(job_id=calendar_id))
            except Exception as exc:  # noqa: BLE001 - still stale and queued: the pass after the overdue time resends
                log.error("feed_rebuild_not_sent", calendar_id=calendar_id, error=f"{type(exc).__name__}: {exc}")
        if swept.results_expired or swept.jobs_deleted or swept.feeds_queued or swept.calendars_dropped:
            log.info(
                "housekeeping_done",
                results_expired=swept.results_expired,
                jobs_deleted=swept.jobs_deleted,
                feeds_queued=len(swept.feeds_queued),
                calendars_dropped=swept.calendars_dropped,
            )
        return swept
