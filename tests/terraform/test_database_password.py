"""The database credentials as the deployment hands them over, tried on a real PostgreSQL that
demands a password: DATABASE_URL without one, PGPASSWORD filled from Secrets Manager by ECS.
The services' own database code connects with them, unchanged, because libpq reads PGPASSWORD."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from taskoverflow_devstack import embedded
from taskoverflow_shared.db import Database, migrate
from taskoverflow_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration

USER, PASSWORD = "taskoverflow", "s3cret-from-secrets-manager"


@pytest.fixture(scope="module")
def url_without_password() -> Iterator[str]:
    """A database owned by a role that must give its password (scram-sha-256); its URL has none."""
    # Not pytest's temp folder: the server runs as its own system user (see the devstack fixtures).
    data_dir = Path(tempfile.mkdtemp(prefix="taskoverflow-test-pgpassword-"))
    data_dir.chmod(0o755)
    try:
        with embedded.postgres(data_dir / "data", database="postgres") as superuser_url:
            conn = psycopg2.connect(superuser_url)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f"CREATE ROLE {USER} LOGIN PASSWORD %s", (PASSWORD,))
                cur.execute(f"CREATE DATABASE taskoverflow OWNER {USER}")
                cur.execute("SHOW hba_file")
                hba = Path(cur.fetchone()[0])
                # First match wins: this role, on every connection, must prove its password.
                hba.write_text(f"local all {USER} scram-sha-256\nhost all {USER} all scram-sha-256\n" + hba.read_text())
                cur.execute("SELECT pg_reload_conf()")
            conn.close()
            socket_dir = dict(p.split("=", 1) for p in urlsplit(superuser_url).query.split("&"))["host"]
            yield f"postgresql://{USER}@/taskoverflow?host={socket_dir}"
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_the_services_connect_with_pgpassword_beside_a_url_without_one(url_without_password: str, monkeypatch) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)

    # Accepted by the settings every service reads (no password needed in the URL)
    assert ServiceSettings.from_env({"DATABASE_URL": url_without_password}).database_url == url_without_password
    migrate(url_without_password)  # what every service does at start
    database = Database(url_without_password, max_connections=2)
    try:
        with database.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT current_user, count(*) FROM schema_migrations")
            user, migrations = cur.fetchone()
    finally:
        database.close()
    assert user == USER and migrations > 0


def test_without_pgpassword_the_same_url_is_refused(url_without_password: str, monkeypatch) -> None:
    # The check above proves something only if the server really asks for the password.
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # nor from a ~/.pgpass of the machine running the tests

    with pytest.raises(psycopg2.OperationalError, match="password"):
        psycopg2.connect(url_without_password).close()
