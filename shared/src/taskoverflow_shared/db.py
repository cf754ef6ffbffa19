"""PostgreSQL access every service shares: a connection pool and the versioned schema migrations."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from importlib import resources
from typing import Any

import psycopg2
import psycopg2.extensions
import structlog

log = structlog.get_logger(__name__)

# Any fixed 64-bit number: every process that migrates takes the same lock,
# so two API processes starting together apply each migration once.
_MIGRATION_LOCK_ID = 640_064_001
_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Bounded waits: a server that is away fails a connect in seconds, a statement stuck behind a lock
# or a sick disk is cancelled, both well under gunicorn's 30 s worker timeout. TCP keepalives find
# a peer that vanished without closing (libpq ignores them on a unix socket).
CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 10_000
_BOUNDED: dict[str, Any] = {
    "connect_timeout": CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


class Database:
    """A thread-safe pool of autocommit connections.

    `connection()` lends one for single statements (each is its own transaction, one
    round trip: most API calls are one statement); `transaction()` for several at once.
    """

    def __init__(
        self, url: str, *, max_connections: int = 10, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS
    ) -> None:
        self.url = url
        self._options = f"-c statement_timeout={statement_timeout_ms}"
        # Every connection opened is kept for the next borrower, up to max_connections: psycopg2's
        # own pool closes all but `minconn` of them as they come back, and under load the API then
        # paid a new server process per request (measured: 68 of 599 samples of a busy API worker
        # in connect). Opened lazily: wiring a service (and importing it) connects to nothing.
        self._idle: list[psycopg2.extensions.connection] = []
        self._idle_lock = threading.Lock()
        # A busy thread waits for a free slot rather than opening more than max_connections.
        self._slots = threading.BoundedSemaphore(max_connections)

    def _borrow(self) -> psycopg2.extensions.connection:
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        conn: psycopg2.extensions.connection = psycopg2.connect(self.url, options=self._options, **_BOUNDED)
        return conn

    def _give_back(self, conn: psycopg2.extensions.connection, *, broken: bool) -> None:
        # Only a connection at rest is lent again: one left inside a transaction (or in doubt) is closed.
        if broken or conn.closed or conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            conn.close()
            return
        with self._idle_lock:
            self._idle.append(conn)

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg2.extensions.connection]:
        """An autocommit connection: every statement commits on its own."""
        with self._slots:
            conn = self._borrow()
            broken = False
            try:
                if not conn.autocommit:
                    conn.autocommit = True
                yield conn
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                raise
            finally:
                self._give_back(conn, broken=broken)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg2.extensions.connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.connection() as conn:
            conn.autocommit = False
            try:
                with conn:  # commits or rolls back; does not close
                    yield conn
            finally:
                if not conn.closed:
                    conn.autocommit = True

    def close(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(url: str) -> list[int]:
    """Apply the migrations not yet applied, in order; returns the versions applied now."""
    applied_now: list[int] = []
    # No statement timeout: a migration may rightly take long; the connect is bounded.
    conn = psycopg2.connect(url, **_BOUNDED)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_ID,))
        try:
            conn.autocommit = False
            with conn, conn.cursor() as cur:
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                cur.execute("SELECT version FROM schema_migrations")
                done = {row[0] for row in cur.fetchall()}
            for version, name, sql in _migrations():
                if version in done:
                    continue
                with conn, conn.cursor() as cur:
                    cur.execute(sql)
                    cur.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
                applied_now.append(version)
                log.info("migration_applied", version=version, name=name)
        finally:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_ID,))
    finally:
        conn.close()
    return applied_now
