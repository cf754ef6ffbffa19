"""The transactional outbox: `add_to_outbox` writes a message in the caller's transaction; the
`OutboxRelay` sends the unsent rows to the broker and marks them sent.

Several relays (API workers, replicas) share the table safely: each claims its rows for a lease
(FOR UPDATE SKIP LOCKED). A row is marked sent only after the broker took it, so a relay that dies
mid-batch leaves its rows to the next one once the lease runs out: a message may go twice, never
zero times (every actor is idempotent).
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

# How long a relay's claim on the rows it is sending lasts: well past a send's bounded wait (the broker
# clients give up within seconds), so a row is claimed twice only when its relay died.
CLAIM_LEASE_S = 60
MESSAGE_TYPES: dict[str, type[Message]] = {message_type.TYPE: message_type for message_type in ROUTES}


class OutboxSettings(EnvironmentSettings):
    """How the relay works: how often it looks, how much it takes, how it backs off a broker outage."""

    poll_ms: int = Field(500, ge=10, le=60_000, validation_alias="OUTBOX_POLL_MS")
    batch_size: int = Field(100, ge=1, le=1_000, validation_alias="OUTBOX_BATCH_SIZE")
    retry_max_s: float = Field(30, ge=0.1, le=900, validation_alias="OUTBOX_RETRY_MAX_S")


def add_to_outbox(cur: psycopg2.extensions.cursor, message: Message, *, delay_s: float = 0.0) -> None:
    """Queue `message` for the relay, in the transaction `cur` belongs to; sent no sooner than
    `delay_s` from now (the relay looks every OUTBOX_POLL_MS)."""
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


class OutboxRelay:
    """Sends unsent outbox rows with `send` (the broker in production, a list in tests)."""

    def __init__(self, db: Database, send: Callable[[Message], object], settings: OutboxSettings) -> None:
        self.db = db
        self.send = send
        self.settings = settings

    def relay_once(self) -> int:
        """Send one batch of due rows; returns how many went. Stops at the first failed send (the
        broker is likely away): that row backs off, the rest wait for the next round.

        Two statements a round, neither holding a transaction open while the broker is called: one
        claims the due rows for a lease (FOR UPDATE SKIP LOCKED: no other relay takes them meanwhile),
        one marks those sent that went. A relay that dies in between leaves its rows unsent, and they
        fall due again when the lease runs out: a message may go twice, never zero times."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => %s), attempts = attempts + 1"
                " WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= now()"
                "   ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING id, message_type, body",
                (CLAIM_LEASE_S, self.settings.batch_size),
            )
            claimed = sorted(cur.fetchall())
        sent: list[int] = []
        for row_id, message_type, body in claimed:
            try:
                self.send(from_dict(MESSAGE_TYPES[message_type], body))
            except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried
                self._back_off(row_id, message_type, f"{type(exc).__name__}: {exc}"[:500])
                break
            sent.append(row_id)
        with self.db.connection() as conn, conn.cursor() as cur:
            if sent:
                cur.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY(%s)", (sent,))
            # Claimed but not tried (a send before them failed): due again at once, the claim undone.
            untried = [row_id for row_id, _, _ in claimed[len(sent) + 1 :]]
            if untried:
                cur.execute(
                    "UPDATE outbox SET next_attempt_at = now(), attempts = attempts - 1 WHERE id = ANY(%s)", (untried,)
                )
        if sent:
            log.info("outbox_relayed", messages=len(sent))
        return len(sent)

    def _back_off(self, row_id: int, message_type: str, error: str) -> None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE outbox SET last_error = %s,"
                " next_attempt_at = now() + make_interval(secs => least(%s, 0.5 * 2 ^ least(attempts - 1, 20)))"
                " WHERE id = %s RETURNING attempts",
                (error, self.settings.retry_max_s, row_id),
            )
            attempts = cur.fetchone()
        log.warning(
            "outbox_send_failed",
            outbox_id=row_id,
            message_type=message_type,
            attempts=attempts[0] if attempts else None,
            error=error,
        )

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
