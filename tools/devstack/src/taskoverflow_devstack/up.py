"""`make up` without Docker: TaskOverflow's services as local processes on embedded infrastructure."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from honcho.manager import Manager

from taskoverflow_shared.provisioning import provision
from taskoverflow_shared.settings import ConfigError

from . import embedded
from .ports import port_open
from .services import api_is_serving
from .waiting import wait_until

AWS_EMULATOR_PORT = 4566


def _stop_on_sigterm() -> None:
    # Until honcho takes over the signals, SIGTERM unwinds like Ctrl-C, so the
    # embedded servers below are stopped rather than orphaned.
    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


def _announce_when_ready(base_url: str, port: int) -> None:
    def announce() -> None:
        try:
            wait_until(lambda: api_is_serving(base_url), timeout=60, what="the API", ignoring=(OSError,))
        except TimeoutError as exc:
            print(f"\n!! {exc}; see the api lines above\n", flush=True)
            return
        print(f"\n==> TaskOverflow is up: http://localhost:{port}  (Ctrl-C stops everything)\n", flush=True)

    threading.Thread(target=announce, daemon=True).start()


def _set_up_broker(env: dict[str, str], stack: contextlib.ExitStack) -> None:
    """BROKER_URL as given; else BROKER=redis for an embedded Redis, or (default) SQS."""
    if env.get("BROKER_URL"):
        print(f"==> broker: {env['BROKER_URL']}", flush=True)
    elif env.get("BROKER", "sqs") == "redis":
        env["BROKER_URL"] = stack.enter_context(embedded.redis())
        print(f"==> broker: embedded Redis at {env['BROKER_URL']}", flush=True)
    else:
        env["BROKER_URL"] = "sqs://"
        print("==> broker: SQS", flush=True)


def _set_up_aws(env: dict[str, str], stack: contextlib.ExitStack) -> None:
    """With no AWS configured, moto's server stands in for SQS and SNS; on the emulator the
    queues (with their dead-letter queues) and the topic are created here, as Terraform does on AWS,
    by the same code as the compose stack's init."""
    if not env.get("AWS_ENDPOINT_URL") and not env.get("AWS_ACCESS_KEY_ID"):
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        env["AWS_ENDPOINT_URL"] = stack.enter_context(embedded.aws_emulator(AWS_EMULATOR_PORT))
        print(f"==> AWS: the local emulator (moto) at {env['AWS_ENDPOINT_URL']}", flush=True)
    env.setdefault("AWS_REGION", "us-east-1")
    env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
    if not env.get("AWS_ENDPOINT_URL"):
        return  # real AWS: the queues and the topic are Terraform's
    try:
        env["SNS_TOPIC_ARN"] = provision(env).topic_arn
    except ConfigError as exc:
        print(f"taskoverflow-up: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(
        f"==> notifications: SNS topic {env['SNS_TOPIC_ARN']}  (`make notifications` lists what was sent)", flush=True
    )
    if env.get("NOTIFY_EMAIL"):
        print(f"==> subscribed {env['NOTIFY_EMAIL']} (the emulator records it; it sends no email)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="taskoverflow-up", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(os.environ.get("DEVSTACK_DIR", ".devstack")))
    args = parser.parse_args(argv)
    _stop_on_sigterm()

    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = int(env.setdefault("PORT", "6400"))
    if port_open(port):
        print(f"taskoverflow-up: port {port} is already in use; set PORT to another", file=sys.stderr)
        return 1
    base_url = env.setdefault("PUBLIC_BASE_URL", f"http://localhost:{port}")

    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            print(f"==> starting embedded PostgreSQL (data in {args.state_dir / 'postgres'})", flush=True)
            env["DATABASE_URL"] = stack.enter_context(embedded.postgres(args.state_dir.resolve() / "postgres"))

        _set_up_broker(env, stack)
        _set_up_aws(env, stack)

        manager = Manager()
        manager.add_process("api", f"{sys.executable} -m taskoverflow_api", env=env)
        manager.add_process("calendar-worker", f"{sys.executable} -m taskoverflow_calendar_worker", env=env)
        manager.add_process("notifier", f"{sys.executable} -m taskoverflow_notifier", env=env)
        _announce_when_ready(base_url, port)
        manager.loop()
        return manager.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
