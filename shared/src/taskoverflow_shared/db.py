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
import psycopg2.pool
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
        self,
        url: str,
        *,
        min_connections: int = 1,
        max_connections: int = 10,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
    ) -> None:
        self.url = url
        self._options = f"-c statement_timeout={statement_timeout_ms}"
        # psycopg2's pool keeps at most `min_connections` idle and closes the rest when they come
        # back: 0 would mean a new connection per request (measured: ~5x fewer list requests/s).
        self._size = (min_connections, max_connections)
        # Created at the first use: wiring a service (and importing it) connects to nothing.
        self._pool: psycopg2.pool.ThreadedConnectionPool | None = None
        self._pool_lock = threading.Lock()
        # ThreadedConnectionPool raises PoolError when exhausted instead of waiting;
        # the semaphore makes a busy thread wait its turn.
        self._slots = threading.BoundedSemaphore(max_connections)

    def _connections(self) -> psycopg2.pool.ThreadedConnectionPool:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = psycopg2.pool.ThreadedConnectionPool(
                        *self._size, dsn=self.url, options=self._options, **_BOUNDED
                    )
        return self._pool

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg2.extensions.connection]:
        """An autocommit connection: every statement commits on its own."""
        with self._slots:
            pool = self._connections()
            conn = pool.getconn()
            broken = False
            try:
                if not conn.autocommit:
                    conn.autocommit = True
                yield conn
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                raise
            finally:
                pool.putconn(conn, close=broken or conn.closed != 0)

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
        if self._pool is not None:
            self._pool.closeall()


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
