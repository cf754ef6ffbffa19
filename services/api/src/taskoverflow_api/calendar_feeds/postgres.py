"""The FeedStore on PostgreSQL: feeds, the calendar each selection shares, and the rebuild flags.

Which calendars an edit touches is decided by a trigger on `todos` (migration 0005), in the edit's own
transaction; this module only reads the result (`queue_stale_builds`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from taskoverflow_shared.db import Database
from taskoverflow_shared.messages import BuildFeedCalendar
from taskoverflow_shared.outbox import add_to_outbox

from ..todos.selection import Selection
from .ports import ServedCalendar

_LIVE = "EXISTS (SELECT 1 FROM calendar_feeds f WHERE f.calendar_id = c.id AND f.revoked_at IS NULL)"


class PostgresFeedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, feed_id: str, token_hash: bytes, selection: Selection) -> None:
        with self.db.transaction() as conn, conn.cursor() as cur:
            # The calendar of this selection, created on first use. edited_at moves either way: a
            # calendar nobody subscribed to stopped following edits, and must catch up before it is served.
            cur.execute(
                "INSERT INTO feed_calendars (id, completed, window_days) VALUES (%s, %s, %s)"
                " ON CONFLICT (completed, window_days) DO UPDATE SET edited_at = clock_timestamp()"
                " RETURNING id",
                (str(uuid.uuid4()), selection.completed, selection.window),
            )
            row = cur.fetchone()
            assert row is not None  # an upsert with RETURNING always returns the row
            cur.execute(
                "INSERT INTO calendar_feeds (id, token_sha256, calendar_id) VALUES (%s, %s, %s)",
                (feed_id, token_hash, row[0]),
            )

    def revoke(self, feed_id: str) -> bool | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            # The CTE holds the row as it was: whether this call is the one that revoked it.
            cur.execute(
                "WITH feed AS (SELECT id, revoked_at FROM calendar_feeds WHERE id = %s FOR UPDATE)"
                " UPDATE calendar_feeds f"
                " SET revoked_at = coalesce(f.revoked_at, date_trunc('second', now() AT TIME ZONE 'UTC'))"
                " FROM feed WHERE f.id = feed.id RETURNING feed.revoked_at IS NULL",
                (feed_id,),
            )
            row = cur.fetchone()
        return None if row is None else bool(row[0])

    def served(self, token_hash: bytes, if_none_match: Collection[str]) -> ServedCalendar | None:
        # One round trip; the text is left in the database when the client already has it
        # (feed_served, migration 0005: a function, so the join is planned once per connection).
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT * FROM feed_served(%s, %s::text[])", (token_hash, list(if_none_match)))
            row: tuple[Any, ...] | None = cur.fetchone()
        if row is None:
            return None
        revoked, etag, changed_at, ics = row
        return ServedCalendar(revoked, etag, changed_at, ics)

    def queue_stale_builds(self, *, delay_s: float, correlation_id: str | None) -> list[str]:
        # The flag and the messages in one transaction: a build marked queued is always on its way.
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE feed_calendars c SET build_queued_at = now()"
                " WHERE build_queued_at IS NULL AND (built_at IS NULL OR edited_at > built_at)"
                f" AND {_LIVE} RETURNING id::text"
            )
            calendar_ids = [row[0] for row in cur.fetchall()]
            for calendar_id in calendar_ids:
                add_to_outbox(
                    cur, BuildFeedCalendar(job_id=calendar_id, correlation_id=correlation_id), delay_s=delay_s
                )
        return calendar_ids
