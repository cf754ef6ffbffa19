"""Migrations (idempotent, safe when processes race) and the connection pool, on a real PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg2
import pytest

from taskoverflow_shared.db import Database, _migrations, migrate
from taskoverflow_shared.job_status import FINISHED, JobStatus

pytestmark = pytest.mark.integration

ALL_VERSIONS = [version for version, _name, _sql in _migrations()]


def query(url: str, sql: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


@pytest.fixture
def empty_database_url(database_url: str) -> Iterator[str]:
    """A URL whose tables live in a new, never-migrated schema, dropped afterwards.

    A schema rather than a database: as good a blank slate for migrate(), and no
    CREATE/DROP DATABASE, which force a checkpoint of the whole server each time.
    """
    schema = f"migrate_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    parts = urlsplit(database_url)
    options = urlencode({"options": f"-csearch_path={schema}"})
    try:
        yield urlunsplit(parts._replace(query=f"{parts.query}&{options}" if parts.query else options))
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


# --- migrations -----------------------------------------------------------------------------


def test_no_two_migrations_share_a_number() -> None:
    # Gaps are allowed: branches developed in parallel reserve numbers (0005 was merged before 0004),
    # and migrate() applies whatever is missing, in order. Two files with one number would both claim it.
    assert len(set(ALL_VERSIONS)) == len(ALL_VERSIONS)


def test_migrate_applies_every_migration_to_an_empty_database(empty_database_url: str) -> None:
    applied = migrate(empty_database_url)

    assert applied == ALL_VERSIONS
    recorded = query(empty_database_url, "SELECT version FROM schema_migrations ORDER BY version")
    assert recorded == [(v,) for v in ALL_VERSIONS]
    tables = query(empty_database_url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    assert {"todos", "schema_migrations"} <= {row[0] for row in tables}


def test_migrating_twice_is_a_no_op(empty_database_url: str) -> None:
    # Given a migrated database holding data
    migrate(empty_database_url)
    conn = psycopg2.connect(empty_database_url)
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO todos (title) VALUES ('survives')")
    conn.close()
    recorded = "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
    before = query(empty_database_url, recorded)

    # When it is migrated again
    applied = migrate(empty_database_url)

    # Then nothing was applied and nothing was lost
    assert applied == []
    assert query(empty_database_url, recorded) == before
    assert query(empty_database_url, "SELECT title FROM todos") == [("survives",)]


def test_concurrent_migrations_apply_each_version_once(empty_database_url: str) -> None:
    # Given several processes' worth of migrators released at the same instant
    racers = 4
    start = threading.Barrier(racers)

    def race() -> list[int]:
        start.wait()
        return migrate(empty_database_url)

    # When they all migrate the same empty database
    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(lambda _: race(), range(racers)))

    # Then none failed, exactly one applied the migrations, and each version is recorded once
    assert sorted(results, key=len) == [[]] * (racers - 1) + [ALL_VERSIONS]
    counts = "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version"
    assert query(empty_database_url, counts) == [(v, 1) for v in ALL_VERSIONS]


# --- the pool -------------------------------------------------------------------------------


@pytest.fixture
def db(clean_database: str) -> Iterator[Database]:
    database = Database(clean_database, max_connections=1)
    yield database
    database.close()


def test_connection_commits_each_statement(db: Database, clean_database: str) -> None:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO todos (title) VALUES ('kept')")

    assert query(clean_database, "SELECT title FROM todos") == [("kept",)]


def test_transaction_rolls_back_everything_on_error(db: Database, clean_database: str) -> None:
    with pytest.raises(RuntimeError), db.transaction() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO todos (title) VALUES ('first')")
        cur.execute("INSERT INTO todos (title) VALUES ('second')")
        raise RuntimeError("half-way")

    assert query(clean_database, "SELECT title FROM todos") == []
    # And the connection went back to the pool fit for single statements
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO todos (title) VALUES ('after')")
    assert query(clean_database, "SELECT title FROM todos") == [("after",)]


def test_a_busy_pool_makes_the_next_caller_wait_instead_of_failing(db: Database) -> None:
    # Given the pool's only connection lent out
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.connection():
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(timeout=30)

    def borrow() -> int:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            return cur.fetchone()[0]

    # When another caller asks for one, and the first gives it back a moment later
    with ThreadPoolExecutor(1) as pool:
        waiter = pool.submit(borrow)
        time.sleep(0.2)  # let the waiter reach the pool while the connection is out (not a timing assert)
        waited = not waiter.done()
        release.set()
        holder.join()

        # Then the second caller waited for the connection and got it, rather than a PoolError
        assert waiter.result(timeout=30) == 1
        assert waited


def test_connections_given_back_are_kept_for_the_next_borrowers(database_url: str) -> None:
    # Given a pool of 3 whose connections were all lent out at once, then given back
    db = Database(database_url, max_connections=3)
    all_out = threading.Barrier(3)

    def server_process() -> int:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            all_out.wait(timeout=30)
            return int(cur.fetchone()[0])

    try:
        with ThreadPoolExecutor(3) as pool:
            first = set(pool.map(lambda _: server_process(), range(3)))

            # When three callers borrow at once again
            later = set(pool.map(lambda _: server_process(), range(3)))
    finally:
        db.close()

    # Then they are served by the same server processes: none was closed and opened again
    assert len(first) == 3
    assert later == first


def test_a_connection_given_back_inside_a_transaction_is_not_lent_again(database_url: str) -> None:
    # Given a caller that leaves a transaction open on the connection it gives back
    db = Database(database_url, max_connections=1)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            conn.autocommit = False
            cur.execute("SELECT pg_backend_pid()")
            abandoned = cur.fetchone()[0]

        # When the next caller borrows one
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid(), now() = statement_timestamp()")
            backend, fresh_transaction = cur.fetchone()
    finally:
        db.close()

    # Then it gets a new connection, in a transaction of its own
    assert backend != abandoned
    assert fresh_transaction


# --- the schema and the contracts it stores -------------------------------------------------


def _check_values(database_url: str, table: str, column: str) -> set[str]:
    """The values a CHECK (column IN (...)) constraint on the table allows, read from the catalog."""
    rows = query(
        database_url,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        f" WHERE conrelid = '{table}'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%{column}%'",
    )
    [(definition,)] = rows
    return set(re.findall(r"'(\w+)'::text", definition))


def test_the_job_status_check_allows_exactly_the_job_statuses(database_url: str) -> None:
    assert _check_values(database_url, "calendar_jobs", "status") == {status.value for status in JobStatus}


def test_a_notification_is_for_a_finished_status_only(database_url: str) -> None:
    assert _check_values(database_url, "notifications", "status") == {status.value for status in FINISHED}
