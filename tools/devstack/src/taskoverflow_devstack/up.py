"""`make up` without Docker: TaskOverflow's services as local processes on embedded infrastructure,
kept running by our supervisor (supervisor.py)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import structlog

from taskoverflow_shared.logging import configure_logging
from taskoverflow_shared.provisioning import provision
from taskoverflow_shared.settings import ConfigError

from . import embedded
from .ports import free_port, port_open
from .services import api_is_serving
from .supervisor import Program, Supervisor
from .waiting import wait_until

log = structlog.get_logger("up")

# EMULATOR_PORT and EMULATOR_WEDGED_AFTER_S are for running a second stack beside one, and for tests.
AWS_EMULATOR_PORT = 4566
# Each service's time to finish what it is doing after its SIGTERM: gunicorn's graceful_timeout
# is 20 s; a calendar is built in well under a second.
SERVICE_STOP_GRACE_S = 30.0
SERVICES = (
    ("api", "taskoverflow_api"),
    ("calendar-worker", "taskoverflow_calendar_worker"),
    ("notifier", "taskoverflow_notifier"),
)
EMULATOR_RESTART_NOTE = (
    "the emulator keeps its queues and messages in memory: the messages waiting in it are gone"
    " (the queues and topic were made again); their jobs wait for reconciliation"
)


def _stop_on_sigterm() -> None:
    # Until the supervisor takes over the signals, SIGTERM (or a closed terminal) unwinds like
    # Ctrl-C, so what has started is stopped rather than orphaned.
    def _raise(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGHUP, _raise)


def _announce_when_ready(base_url: str, port: int) -> None:
    def announce() -> None:
        try:
            wait_until(lambda: api_is_serving(base_url), timeout=120, what="the API", ignoring=(OSError,))
        except TimeoutError as exc:
            log.error("api_not_serving", error=str(exc), hint="see the api lines above")
            return
        log.info("taskoverflow_up", url=f"http://localhost:{port}", stop="Ctrl-C (twice to force)")

    threading.Thread(target=announce, daemon=True).start()


def _broker(env: dict[str, str], state_dir: Path) -> list[Program]:
    """BROKER_URL as given; else BROKER=redis for an embedded Redis (its data in state_dir), or SQS."""
    if env.get("BROKER_URL"):
        log.info("broker", url=env["BROKER_URL"])
        return []
    if env.get("BROKER", "sqs") != "redis":
        env["BROKER_URL"] = "sqs://"
        log.info("broker", url="sqs://")
        return []
    port = free_port()
    env["BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    data_dir = state_dir / "redis"
    log.info("broker", url=env["BROKER_URL"], what="embedded Redis", data_dir=str(data_dir))
    return [
        Program(
            "redis",
            embedded.redis_command(port, data_dir),
            output=state_dir / "logs" / "redis.log",
            ready=lambda: port_open(port),
            stop_grace_s=10,
        )
    ]


def _aws(env: dict[str, str], state_dir: Path) -> list[Program]:
    """With no AWS configured, moto's server stands in for SQS and SNS; its queues (with their
    dead-letter queues) and topic are created whenever it (re)starts, as Terraform does on AWS, by
    the same code as the compose stack's init. It is probed while it runs, and restarted when wedged."""
    env.setdefault("AWS_REGION", "us-east-1")
    env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
    if env.get("AWS_ENDPOINT_URL") or env.get("AWS_ACCESS_KEY_ID"):
        if env.get("AWS_ENDPOINT_URL"):
            _provision(env)  # someone else's emulator: provision it once
        return []
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    port = int(env.get("EMULATOR_PORT") or AWS_EMULATOR_PORT)
    endpoint = env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    if port_open(port):
        raise SystemExit(f"taskoverflow-up: port {port} (the AWS emulator's) is in use; set EMULATOR_PORT to another")
    log.info("aws", what="the local emulator (moto)", endpoint=endpoint)
    return [
        Program(
            "aws-emulator",
            embedded.aws_emulator_command(port),
            env=embedded.aws_emulator_env(),
            output=state_dir / "logs" / "aws-emulator.log",
            ready=lambda: embedded.aws_emulator_is_up(endpoint),
            after_ready=lambda: _provision(env),
            probe=embedded.aws_emulator_answers(endpoint),
            wedged_after_s=float(env.get("EMULATOR_WEDGED_AFTER_S") or 20),
            stop_grace_s=10,
            restart_note=EMULATOR_RESTART_NOTE,
        )
    ]


def _provision(env: dict[str, str]) -> None:
    try:
        env["SNS_TOPIC_ARN"] = provision(env).topic_arn
    except ConfigError as exc:
        log.error("configuration_invalid", variable=exc.name, error=str(exc))
        raise SystemExit(2) from None
    log.info("emulator_provisioned", topic_arn=env["SNS_TOPIC_ARN"], hint="`make notifications` lists what was sent")
    if env.get("NOTIFY_EMAIL"):
        log.info("subscribed", email=env["NOTIFY_EMAIL"], what="the emulator records it; it sends no email")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="taskoverflow-up", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(os.environ.get("DEVSTACK_DIR", ".devstack")))
    args = parser.parse_args(argv)
    _stop_on_sigterm()

    env = dict(os.environ)
    configure_logging(env.get("LOG_FORMAT") or None, env.get("LOG_LEVEL") or "INFO", service="supervisor")
    # pgserver narrates every command it runs at INFO.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = int(env.setdefault("PORT", "6400"))
    if port_open(port):
        print(f"taskoverflow-up: port {port} is already in use; set PORT to another", file=sys.stderr)
        return 1
    base_url = env.setdefault("PUBLIC_BASE_URL", f"http://localhost:{port}")
    state_dir = args.state_dir.resolve()
    for old_log in (state_dir / "logs").glob("*.log"):
        old_log.unlink()

    supervisor = Supervisor()
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            # pg_ctl runs the server in a session of its own: it outlives the supervisor's stop of
            # the services, and is stopped last, when this block ends.
            log.info("postgres", what="embedded PostgreSQL 16", data_dir=str(state_dir / "postgres"))
            env["DATABASE_URL"] = stack.enter_context(embedded.postgres(state_dir / "postgres"))
        infrastructure = _broker(env, state_dir) + _aws(env, state_dir)
        try:
            supervisor.start_layer(infrastructure)
            supervisor.start_layer(
                [
                    Program(name, [sys.executable, "-m", module], env=env, stop_grace_s=SERVICE_STOP_GRACE_S)
                    for name, module in SERVICES
                ]
            )
            _announce_when_ready(base_url, port)
            return supervisor.run()
        except BaseException:
            # Ctrl-C or SIGTERM while starting, or a start that failed: what runs is stopped
            # (the programs are in sessions of their own, so nothing else would stop them).
            supervisor.stop_now()
            raise


if __name__ == "__main__":
    raise SystemExit(main())
