"""The FeedCalendarStore on PostgreSQL (the feed_calendars table, and the todos each one selects)."""

from __future__ import annotations

from typing import Any

from taskoverflow_shared.db import Database

from .feed_ports import FeedBuild

_LIVE = "EXISTS (SELECT 1 FROM calendar_feeds f WHERE f.calendar_id = c.id AND f.revoked_at IS NULL)"
# The list endpoint's selection (completed, deadline within N days, past-due included, no deadline excluded),
# as json, not jsonb: read whole, once, so jsonb's parse and print back would be work for nothing.
_SELECTED_TODOS = (
    "SELECT coalesce(json_agg(t ORDER BY t.id), '[]'::json), max(t.updated_at) FROM todos t"
    " WHERE (%(completed)s::boolean IS NULL OR t.completed = %(completed)s)"
    " AND (%(window)s::integer IS NULL OR (t.deadline_at IS NOT NULL"
    "      AND t.deadline_at <= (now() AT TIME ZONE 'UTC') + make_interval(days => %(window)s::integer)))"
)


class PostgresFeedCalendarStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, calendar_id: str) -> FeedBuild | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            # Its own statement, before the read: it waits for the row lock of any edit still being
            # committed (the todos trigger holds it), so the read below sees that edit, and
            # clock_timestamp() is taken after it.
            cur.execute(
                f"UPDATE feed_calendars c SET build_queued_at = NULL WHERE id = %s AND {_LIVE}"
                " RETURNING completed, window_days, clock_timestamp()",
                (calendar_id,),
            )
            claimed: tuple[Any, ...] | None = cur.fetchone()
            if claimed is None:
                return None
            completed, window, read_from = claimed
            cur.execute(_SELECTED_TODOS, {"completed": completed, "window": window})
            row = cur.fetchone()
        assert row is not None  # an aggregate always yields one row
        todos, latest_change = row
        return FeedBuild(calendar_id, todos, latest_change, read_from)

    def store(self, build: FeedBuild, ics: str, etag: str, event_count: int) -> bool:
        with self.db.connection() as conn, conn.cursor() as cur:
            # Every right-hand side reads the row as it was: changed_at moves only when the text does.
            cur.execute(
                "UPDATE feed_calendars SET ics = %(ics)s, etag = %(etag)s, event_count = %(events)s,"
                " changed_at = CASE WHEN etag IS DISTINCT FROM %(etag)s THEN date_trunc('second', now())"
                "   ELSE changed_at END,"
                " built_at = %(read_from)s"
                " WHERE id = %(id)s AND (built_at IS NULL OR built_at < %(read_from)s)",
                {
                    "ics": ics,
                    "etag": etag,
                    "events": event_count,
                    "read_from": build.read_from,
                    "id": build.calendar_id,
                },
            )
            return bool(cur.rowcount == 1)
