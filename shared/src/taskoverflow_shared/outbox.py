"""The transactional outbox: `add_to_outbox` writes a message in the caller's transaction; the
`OutboxRelay` sends the unsent rows to the broker and marks them sent.

Several relays (API workers, replicas) share the table safely: each takes its rows with
FOR UPDATE SKIP LOCKED. A row is marked sent only after the broker took it, so a relay that dies
mid-batch leaves its rows to the next one: a message may go twice, never zero times (every actor
is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg2.extensions
import psycopg2.extras
import structlog
from pydantic import Field

from .db import Database
from .messages import Message, from_dict, to_dict
from .routing import ROUTES
from .settings import EnvironmentSettings

log = structlog.get_logger(__name__)

MESSAGE_TYPES: dict[str, type[Message]] = {message_type.TYPE: message_type for message_type in ROUTES}


class OutboxSettings(EnvironmentSettings):
    """How the relay works: how often it looks, how much it takes, how it backs off a broker outage."""

    # How often an idle relay looks for rows nobody told it of (those of an API process stopped
    # mid-send). Rows it knows of are sent without waiting for it: a request that queues one wakes
    # its process's relay, and a delayed or backed-off row is sent when it falls due.
    poll_ms: int = Field(2_000, ge=10, le=60_000, validation_alias="OUTBOX_POLL_MS")
    batch_size: int = Field(100, ge=1, le=1_000, validation_alias="OUTBOX_BATCH_SIZE")
    retry_max_s: float = Field(30, ge=0.1, le=900, validation_alias="OUTBOX_RETRY_MAX_S")


def add_to_outbox(cur: psycopg2.extensions.cursor, message: Message, *, delay_s: float = 0.0) -> None:
    """Queue `message` for the relay, in the transaction `cur` belongs to; sent no sooner than
    `delay_s` from now (once the relay knows of it: wake it after the commit)."""
    cur.execute(
        "INSERT INTO outbox (message_type, body, next_attempt_at) VALUES (%s, %s, now() + make_interval(secs => %s))",
        (message.TYPE, psycopg2.extras.Json(to_dict(message)), delay_s),
    )


def outbox_insert_per_row(source: str, message: Message) -> tuple[str, tuple[Any, ...]]:
    """An INSERT (and its parameters) that queues `message` once per row of `source`, a name in the
    same WITH: a data-modifying CTE writes a row and its message in one statement, one round trip,
    and queues nothing when `source` inserted nothing (an idempotent replay)."""
    return (
        f"INSERT INTO outbox (message_type, body) SELECT %s, %s FROM {source}",
        (message.TYPE, psycopg2.extras.Json(to_dict(message))),
    )


# The due rows, taken, and one more row: how long until the earliest row not yet due (delayed, or
# backing off), so the relay's loop sleeps until then rather than polling for it. One round trip.
_TAKE_DUE_ROWS = (
    "WITH due AS ("
    "  SELECT id, message_type, body FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= now()"
    "  ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED)"
    " SELECT id, message_type, body, NULL FROM due"
    " UNION ALL SELECT NULL, NULL, NULL, extract(epoch FROM min(next_attempt_at) - now())::float8"
    "   FROM outbox WHERE sent_at IS NULL AND next_attempt_at > now()"
)


class OutboxRelay:
    """Sends unsent outbox rows with `send` (the broker in production, a list in tests)."""

    def __init__(self, db: Database, send: Callable[[Message], object], settings: OutboxSettings) -> None:
        self.db = db
        self.send = send
        self.settings = settings
        # After a round: seconds until the earliest row it saw that was not yet due (None: none).
        self.next_due_in_s: float | None = None

    def relay_once(self) -> int:
        """Send one batch of due rows; returns how many went. Stops at the first failed send (the
        broker is likely away): that row backs off, the rest wait for the next round.

        One transaction holds the batch's rows (FOR UPDATE SKIP LOCKED: other relays pass them by)
        while they are sent, and marks those that went in one statement. A relay that dies meanwhile
        (its process stopped or killed) has its transaction rolled back: its rows are free for the
        next relay at once, a message may go twice, never zero times."""
        sent: list[int] = []
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.execute(_TAKE_DUE_ROWS, (self.settings.batch_size,))
            rows = cur.fetchall()
            self.next_due_in_s = next((float(row[3]) for row in rows if row[0] is None and row[3] is not None), None)
            for row_id, message_type, body, _ in rows:
                if row_id is None:
                    continue
                try:
                    self.send(from_dict(MESSAGE_TYPES[message_type], body))
                except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried
                    retry_in_s = self._back_off(cur, row_id, message_type, f"{type(exc).__name__}: {exc}"[:500])
                    # The failed row is due again then, and the untried ones after it go with it.
                    if self.next_due_in_s is None or retry_in_s < self.next_due_in_s:
                        self.next_due_in_s = retry_in_s
                    break
                sent.append(row_id)
            if sent:
                cur.execute("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY(%s)", (sent,))
        if sent:
            log.info("outbox_relayed", messages=len(sent))
        return len(sent)

    def _back_off(self, cur: psycopg2.extensions.cursor, row_id: int, message_type: str, error: str) -> float:
        """Record the failed send; how many seconds until the row is due again."""
        cur.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = %s,"
            " next_attempt_at = now() + make_interval(secs => least(%s, 0.5 * 2 ^ least(attempts, 20)))"
            " WHERE id = %s RETURNING attempts, extract(epoch FROM next_attempt_at - now())::float8",
            (error, self.settings.retry_max_s, row_id),
        )
        row = cur.fetchone()
        log.warning(
            "outbox_send_failed",
            outbox_id=row_id,
            message_type=message_type,
            attempts=row[0] if row else None,
            error=error,
        )
        return float(row[1]) if row else self.settings.retry_max_s

    def backlog(self) -> int:
        """How many rows wait to be sent (for logs and the readiness answer)."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def purge_sent(self, older_than_s: float = 86_400) -> int:
        """Forget rows sent more than `older_than_s` ago."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => %s)", (older_than_s,))
            return int(cur.rowcount)
