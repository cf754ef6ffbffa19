"""A whole TaskOverflow of its own for the fault suite: its own PostgreSQL (stopped and started at
will), its own broker (moto's server or a Redis with AOF, hung or killed at will), and the three
services run as their images run them, each in its own session so that kill -9 reaches a service's
every process, and restartable. Short reconciliation and retry settings keep the fault windows short."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import requests

from taskoverflow_devstack import embedded
from taskoverflow_devstack.ports import free_port, port_open
from taskoverflow_devstack.services import CONSUMING, service_env
from taskoverflow_devstack.waiting import wait_until
from taskoverflow_shared.provisioning import provision_queues, provision_topic

FINISHED = ("SUCCESS", "FAILURE")

# The guarantee's clocks, made short: a job waiting 8 s since its message went out is sent again, a
# job not finished 150 s after it was asked for ends FAILURE; reconciliation runs every second.
FAULT_SETTINGS = {
    "RECONCILE_INTERVAL_S": "1",
    "RECONCILE_RESEND_AFTER_S": "8",
    "RECONCILE_ANNOUNCE_AFTER_S": "5",
    "JOB_DEADLINE_S": "150",
    "OUTBOX_POLL_MS": "200",
    "OUTBOX_RETRY_MAX_S": "2",
    "OUTAGE_MAX_BACKOFF_MS": "2000",
    "SQS_VISIBILITY_TIMEOUT": "30",
    "WORKER_PROCESSES": "1",
    "WORKER_THREADS": "4",
    "WORKER_MAX_RETRIES": "2",
    "WORKER_MIN_BACKOFF_MS": "200",
    "WORKER_MAX_BACKOFF_MS": "1000",
    "WORKER_TIME_LIMIT_MS": "20000",
    "NOTIFY_THREADS": "4",
    "NOTIFY_MAX_RETRIES": "2",
    "NOTIFY_MIN_BACKOFF_MS": "200",
    "NOTIFY_MAX_BACKOFF_MS": "1000",
    "NOTIFY_TIME_LIMIT_MS": "5000",
    # A notifier killed mid-publish holds its claim this long; then a redelivery publishes.
    "NOTIFY_CLAIM_LEASE_S": "8",
    "WEB_CONCURRENCY": "2",
}


class Service:
    """One service as its image runs it (`python -m <module>`), in its own session."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_path: Path, ready: Any) -> None:
        self.name, self.command, self.env, self.log_path, self.ready = name, command, env, log_path, ready
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - the process owns it until it ends
        self.proc = subprocess.Popen(
            self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        wait_until(
            lambda: self._alive() and self.ready(offset),
            timeout=60,
            what=f"{self.name} ready",
            ignoring=(OSError, ValueError),
        )

    def _alive(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {self.log_path.read_text(errors='replace')[-3000:]}")
        return True

    def signal_group(self, signum: int) -> None:
        """Send `signum` to every process of the service (its session's group)."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signum)

    def kill(self) -> None:
        self.signal_group(signal.SIGKILL)
        assert self.proc is not None
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        # Dramatiq's workers or gunicorn's left behind by a killed parent go too.
        self.signal_group(signal.SIGKILL)


class Postgres:
    """The suite's own PostgreSQL (pgserver), stopped and started as an operator would."""

    def __init__(self, data_dir: Path) -> None:
        import pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.parent.chmod(0o755)
        self.server = pgserver.get_server(data_dir, cleanup_mode="stop")
        self.data_dir = data_dir

    def url(self, database: str) -> str:
        if "(1 row)" not in self.server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';"):
            self.server.psql(f'CREATE DATABASE "{database}";')
        return str(self.server.get_uri(database))

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()


@dataclasses.dataclass
class Broker:
    """The broker's process (moto's server for SQS, redis-server for Redis) and how to restart it."""

    kind: str
    command: list[str]
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, env=embedded.aws_emulator_env()
        )
        log.close()
        wait_until(lambda: port_open(self.port), timeout=30, what=f"{self.kind} broker listening")

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclasses.dataclass
class Counts:
    """The guarantee, counted: every accepted job ended and was announced once, none lost or stranded."""

    submitted: int
    accepted: int
    ended: int
    announced: int
    announced_twice: int
    lost: int
    stranded: int
    refused: dict[int, int]

    def line(self, fault: str) -> str:
        return (
            f"{fault}: submitted={self.submitted} accepted={self.accepted} ended={self.ended}"
            f" announced={self.announced} announced_twice={self.announced_twice} lost={self.lost}"
            f" stranded={self.stranded} refused={self.refused}"
        )


class FaultStack:
    def __init__(self, kind: str, root: Path, postgres: Postgres, sns_endpoint: str) -> None:
        self.kind = kind
        self.root = root
        self.postgres = postgres
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        namespace = f"faults{uuid.uuid4().hex[:8]}"
        self.database_url = postgres.url(f"faults_{kind}")
        from taskoverflow_shared.db import migrate

        migrate(self.database_url)
        self.env = service_env(
            DATABASE_URL=self.database_url,
            PORT=str(port),
            HOST="127.0.0.1",
            PUBLIC_BASE_URL=self.base_url,
            QUEUE_NAMESPACE=namespace,
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            **FAULT_SETTINGS,
        )
        if kind == "sqs":
            broker_port = free_port()
            self.broker = Broker("sqs", embedded.aws_emulator_command(broker_port), broker_port, self.logs / "moto.log")
            self.env.update(BROKER_URL="sqs://", AWS_ENDPOINT_URL=f"http://127.0.0.1:{broker_port}")
        else:
            broker_port = free_port()
            command = embedded.redis_command(broker_port, root / "redis")
            self.broker = Broker("redis", command, broker_port, self.logs / "redis.log")
            self.env.update(BROKER_URL=f"redis://127.0.0.1:{broker_port}/0", AWS_ENDPOINT_URL=sns_endpoint)
        self.sns_endpoint = self.env["AWS_ENDPOINT_URL"]
        self.api = Service(
            "api",
            [sys.executable, "-m", "taskoverflow_api"],
            self.env,
            self.logs / "api.log",
            lambda offset: requests.get(f"{self.base_url}/api/v1/health", timeout=1).ok,
        )
        self.worker = self._consumer("calendar-worker", "taskoverflow_calendar_worker")
        self.notifier = self._consumer("notifier", "taskoverflow_notifier")
        self.services = (self.api, self.worker, self.notifier)

    def start(self) -> None:
        self.broker.start()
        if self.kind == "sqs":
            provision_queues(self.env)
        namespace = self.env["QUEUE_NAMESPACE"]
        self.env["SNS_TOPIC_ARN"] = self.topic_arn = provision_topic(self.env, f"{namespace}-notifications")
        for service in self.services:
            service.start()

    def _consumer(self, name: str, module: str) -> Service:
        log_path = self.logs / f"{name}.log"

        def consuming(offset: int) -> bool:
            with open(log_path, "rb") as log:
                log.seek(offset)
                return CONSUMING in log.read()

        return Service(name, [sys.executable, "-m", module], self.env, log_path, consuming)

    def close(self) -> None:
        for service in reversed(self.services):
            service.terminate()
        self.broker.stop()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    # --- load and counting --------------------------------------------------------------------

    def submit(self, count: int, *, threads: int = 8, timeout: float = 10) -> list[requests.Response | Exception]:
        """`count` POST /todos/ical from `threads` clients at once; each answer (or the exception)."""
        from concurrent.futures import ThreadPoolExecutor

        def one(_: int) -> requests.Response | Exception:
            try:
                return requests.post(f"{self.base_url}/api/v1/todos/ical", timeout=timeout)
            except requests.RequestException as exc:
                return exc

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, range(count)))

    def job_statuses(self) -> dict[str, str]:
        conn = psycopg2.connect(self.database_url, connect_timeout=3)
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SELECT id::text, status FROM calendar_jobs")
                return dict(cur.fetchall())
        finally:
            conn.close()

    def published(self) -> dict[str, int]:
        """How many SNS notifications each job got on the suite's topic (moto's own record)."""
        state = requests.get(f"{self.sns_endpoint}/moto-api/data.json", timeout=10).json()
        counts: dict[str, int] = {}
        for topic in state.get("sns", {}).get("Topic", []):
            if topic["arn"] != self.topic_arn:
                continue
            for notification in topic.get("sent_notifications", []):
                attributes = notification[3] or {}
                job_id = attributes.get("job_id")
                if isinstance(job_id, dict):
                    job_id = job_id.get("Value", job_id.get("StringValue"))
                counts[str(job_id)] = counts.get(str(job_id), 0) + 1
        return counts

    def count(self, answers: list[requests.Response | Exception], *, within: float = 120) -> Counts:
        """Wait until every accepted job has ended and been announced (or `within` s passed), then count."""
        accepted = [a.json()["task_id"] for a in answers if isinstance(a, requests.Response) and a.status_code == 202]
        refused: dict[int, int] = {}
        for answer in answers:
            if not (isinstance(answer, requests.Response) and answer.status_code == 202):
                code = answer.status_code if isinstance(answer, requests.Response) else 0
                refused[code] = refused.get(code, 0) + 1

        def settled() -> bool:
            statuses = self.job_statuses()
            published = self.published()
            return all(statuses.get(j) in FINISHED and published.get(j) for j in accepted)

        with contextlib.suppress(TimeoutError):
            wait_until(
                settled,
                timeout=within,
                what="every accepted job ended and announced",
                interval=1,
                ignoring=(OSError, psycopg2.OperationalError, requests.RequestException),
            )
        # A duplicate announcement would arrive just after: give it the time one takes.
        time.sleep(2)
        statuses, published = self.job_statuses(), self.published()
        return Counts(
            submitted=len(answers),
            accepted=len(accepted),
            ended=sum(statuses.get(j) in FINISHED for j in accepted),
            announced=sum(bool(published.get(j)) for j in accepted),
            announced_twice=sum(published.get(j, 0) > 1 for j in accepted),
            lost=sum(j not in statuses for j in accepted),
            stranded=sum(j in statuses and statuses[j] not in FINISHED for j in accepted),
            refused=refused,
        )


@contextlib.contextmanager
def running_stack(kind: str, root: Path, postgres: Postgres, sns_endpoint: str) -> Iterator[FaultStack]:
    stack = FaultStack(kind, root, postgres, sns_endpoint)
    try:
        stack.start()
        yield stack
    finally:
        stack.close()
