"""The three images as a container platform runs them: who their processes run as, what they log, what
their health checks say, how they stop, and how they refuse a missing setting. (The end-to-end journeys
run against the same images under docker compose: the "containers" cases of the e2e modules.)"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from taskoverflow_devstack.container_stack import (
    SERVICES,
    container_state,
    env_args,
    running_container,
    wait_for_health,
)
from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.services import sql
from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.broker import BrokerSettings, build_broker, send
from taskoverflow_shared.messages import GenerateCalendar
from taskoverflow_shared.routing import ICAL_QUEUE

pytestmark = [pytest.mark.integration, pytest.mark.containers]
IMAGE_UID = "10001"  # the Dockerfiles' USER
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:images-test"


def json_lines(text: str, where: str) -> list[dict]:
    parsed = []
    for line in text.splitlines():
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"{where}: a line that is not one JSON object: {line!r}")
    return parsed


@pytest.fixture
def fresh_database(postgres_server_url: str, container_database_url: str):
    """A new, empty database on the session's server, as containers reach it: the services migrate it."""
    name = f"images_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(postgres_server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(container_database_url)._replace(path=f"/{name}"))
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def settings_for(service: str, database_url: str, broker_url: str) -> dict[str, str]:
    """What each service needs to start on its own, beside the stack."""
    return {
        "api": {"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(free_port()), "WEB_CONCURRENCY": "1"},
        "calendar-worker": {"DATABASE_URL": database_url, "BROKER_URL": broker_url, "WORKER_PROCESSES": "1"},
        "notifier": {
            "DATABASE_URL": database_url,
            "BROKER_URL": broker_url,
            "SNS_TOPIC_ARN": TOPIC_ARN,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        },
    }[service]


def test_every_process_in_every_container_runs_as_the_images_user(container_stack, docker_engine_for_tests) -> None:
    for service in SERVICES:
        container = container_stack.project.container_id(service)
        processes = docker_engine_for_tests.docker("top", container, "-eo", "pid,uid,args").stdout.splitlines()[1:]
        assert processes and {line.split()[1] for line in processes} == {IMAGE_UID}, (service, processes)


def test_every_line_every_service_logs_is_one_json_object_from_the_first(container_stack) -> None:
    events = {
        service: [line["event"] for line in json_lines(container_stack.project.logs(service), service)]
        for service in ("init", *SERVICES)
    }

    # gunicorn's own first line, logged before any of its hooks runs
    assert events["api"][0].startswith("Starting gunicorn"), events["api"][:3]
    # Dramatiq's main process, not only its worker processes
    for worker in ("calendar-worker", "notifier"):
        assert any(event.startswith("Dramatiq") and "booting up" in event for event in events[worker]), events[worker]
    assert events["init"] == ["emulator_provisioned"]


def test_a_service_migrating_a_new_database_logs_that_as_json_too(
    docker_engine_for_tests, docker_images, fresh_database
) -> None:
    env = settings_for("api", fresh_database, "")
    with running_container(docker_engine_for_tests, docker_images["api"], env) as container:
        wait_for_health(docker_engine_for_tests, container, "healthy")
        logs = docker_engine_for_tests.docker("logs", container)

    events = [line["event"] for line in json_lines(logs.stdout + logs.stderr, "api")]
    assert events[0] == "migration_applied", events  # the entry point migrates before gunicorn starts
    assert any(event.startswith("Starting gunicorn") for event in events), events


def test_the_services_are_healthy_the_api_checked_on_its_own_port(container_stack, docker_engine_for_tests) -> None:
    port = urlsplit(container_stack.base_url).port
    for service in SERVICES:
        state = container_state(docker_engine_for_tests, container_stack.project.container_id(service))
        assert state["Health"]["Status"] == "healthy", (service, state["Health"])
        said = state["Health"]["Log"][-1]["Output"]
        expected = f"127.0.0.1:{port}/api/v1/health: 200" if service == "api" else "polled their queue"
        assert expected in said, (service, said)


def test_a_worker_that_cannot_reach_its_broker_turns_unhealthy(
    docker_engine_for_tests, docker_images, container_database_url
) -> None:
    # Given a calendar-worker whose Redis is not there (nothing listens on that port)
    env = settings_for("calendar-worker", container_database_url, f"redis://127.0.0.1:{free_port()}/0")
    with running_container(
        docker_engine_for_tests, docker_images["calendar-worker"], env, "--health-start-period=1s", "--health-retries=2"
    ) as container:
        # Then its process runs, but its health check says it is not consuming
        state = wait_for_health(docker_engine_for_tests, container, "unhealthy")

    assert state["Running"]
    assert "no worker process has polled its queue yet" in state["Health"]["Log"][-1]["Output"]


@pytest.mark.parametrize("service", SERVICES)
def test_an_image_without_its_database_url_refuses_to_start_saying_so(
    docker_engine_for_tests, docker_images, service: str
) -> None:
    env = {k: v for k, v in settings_for(service, "", "redis://127.0.0.1:9/0").items() if k != "DATABASE_URL"}

    done = docker_engine_for_tests.docker(
        "run", "--rm", "--network", "host", *env_args(env), docker_images[service], check=False, timeout=120
    )

    assert done.returncode == 2, done.stdout + done.stderr
    [line] = json_lines(done.stderr, service)
    assert (line["event"], line["variable"], line["level"]) == ("configuration_invalid", "DATABASE_URL", "error")
    assert "DATABASE_URL: is required but not set" in line["error"]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_stops_cleanly_on_sigterm(
    docker_engine_for_tests, docker_images, container_database_url, redis_url, service: str
) -> None:
    engine = docker_engine_for_tests
    env = settings_for(service, container_database_url, redis_url)
    with running_container(engine, docker_images[service], env) as container:
        wait_for_health(engine, container, "healthy")
        # `docker stop`: SIGTERM, then SIGKILL (exit 137) if it has not exited within the grace period
        engine.docker("stop", "--time", "30", container, timeout=90)
        state = container_state(engine, container)
        logs = engine.docker("logs", container)

    assert (state["ExitCode"], state["OOMKilled"]) == (0, False), state
    events = [line["event"] for line in json_lines(logs.stdout + logs.stderr, service)]
    assert ("Shutting down: Master" if service == "api" else "Worker has been shut down.") in events, events


def test_a_calendar_worker_told_to_stop_finishes_its_job_first(
    docker_engine_for_tests, docker_images, container_database_url, clean_database, redis_url
) -> None:
    engine = docker_engine_for_tests
    env = {
        **settings_for("calendar-worker", container_database_url, redis_url),
        "QUEUE_NAMESPACE": f"drain{uuid.uuid4().hex[:8]}",
        "WORKER_THREADS": "1",
    }
    # Given a job big enough to take a few seconds (150,000 todos), snapshotted as the API does
    sql(
        clean_database,
        "INSERT INTO todos (title, deadline_at) SELECT 'Todo ' || g,"
        " timestamp '2027-01-01' + g * interval '1 minute' FROM generate_series(1, 150000) g",
    )
    job_id = str(uuid.uuid4())
    sql(
        clean_database,
        "INSERT INTO calendar_jobs (id, todos, todo_count) SELECT %s, json_agg(t ORDER BY t.id), count(*) FROM todos t",
        (job_id,),
    )

    with running_container(engine, docker_images["calendar-worker"], env) as container:
        wait_for_health(engine, container, "healthy")
        broker = build_broker(BrokerSettings.from_env(env))
        broker.declare_queue(ICAL_QUEUE)
        send(broker, GenerateCalendar(job_id=job_id))
        # When the container is stopped while the job is being built
        wait_until(
            lambda: sql(clean_database, "SELECT status FROM calendar_jobs WHERE id = %s", (job_id,))[0][0] == "STARTED",
            timeout=60,
            what="the job to start",
            interval=0.02,
        )
        engine.docker("stop", "--time", "60", container, timeout=120)
        state = container_state(engine, container)
        logs = engine.docker("logs", container)

    # Then the worker finished the job before it exited, cleanly
    events = [line["event"] for line in json_lines(logs.stdout + logs.stderr, "calendar-worker")]
    assert events.index("Stopping worker process...") < events.index("calendar_built"), events
    assert sql(clean_database, "SELECT status, event_count FROM calendar_jobs WHERE id = %s", (job_id,)) == [
        ("SUCCESS", 150_000)
    ]
    assert state["ExitCode"] == 0, state


def test_the_runtime_images_carry_no_installer_compiler_or_pip_cache(docker_engine_for_tests, docker_images) -> None:
    # As root, to see every folder; the services' own virtualenv is what must hold no pip.
    probe = (
        "import importlib.util, pathlib, shutil;"
        " print([importlib.util.find_spec('pip') is not None, shutil.which('gcc'), shutil.which('cc'),"
        " [str(p) for top in ('/root', '/home', '/tmp', '/opt') for p in pathlib.Path(top).glob('**/.cache/pip')]])"
    )
    for service, image in docker_images.items():
        found = docker_engine_for_tests.docker(
            "run", "--rm", "--network", "host", "--user", "0", image, "python", "-c", probe
        ).stdout
        assert found.strip() == "[False, None, None, []]", (service, found)
