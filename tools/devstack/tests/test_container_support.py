"""The pieces the image tests stand on: installing Docker (or saying why not), the base the
Dockerfiles build FROM, and the embedded PostgreSQL reached over TCP as containers reach it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from taskoverflow_devstack import docker_engine
from taskoverflow_devstack.base_image import base_images
from taskoverflow_devstack.socket_relay import postgres_url_over_tcp

ROOT = Path(__file__).resolve().parents[3]


def test_without_root_docker_is_not_installed_and_the_reason_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_engine.os, "geteuid", lambda: 1000)

    with pytest.raises(docker_engine.EngineUnavailable, match=r"docker\.io missing, and this is not root"):
        docker_engine.apt_install("docker.io")


def test_the_base_is_what_the_dockerfiles_build_from_not_their_own_stages() -> None:
    assert base_images(sorted(ROOT.glob("services/*/Dockerfile"))) == {"python:3.11-slim"}


def test_a_tcp_url_is_used_as_it_is() -> None:
    url = "postgresql://app:pw@127.0.0.1:5432/taskoverflow"
    with postgres_url_over_tcp(url) as same:
        assert same == url


@pytest.mark.integration
def test_the_embedded_postgresql_answers_over_tcp_through_the_relay(database_url: str) -> None:
    with postgres_url_over_tcp(database_url) as tcp_url:
        parts = urlsplit(tcp_url)
        # The embedded server's URL names a socket folder; TEST_DATABASE_URL may name a TCP host already.
        assert parts.hostname == (urlsplit(database_url).hostname or "127.0.0.1") and parts.port
        for _ in range(2):  # one connection after another, each through its own relayed stream
            conn = psycopg2.connect(tcp_url)
            with conn.cursor() as cur:
                cur.execute("SELECT current_database(), repeat('x', 100000)")
                name, payload = cur.fetchone()
            conn.close()
            assert name == urlsplit(database_url).path.lstrip("/") and len(payload) == 100_000
