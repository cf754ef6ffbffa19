"""Fixtures: a real moto server in a subprocess, and queue-demo run as a user would run it."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from taskoverflow_devstack.embedded import aws_emulator
from taskoverflow_devstack.ports import free_port

BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parents[1] / "src"
ARRIVAL = re.compile(r"\[(?P<hh>\d\d):(?P<mm>\d\d):(?P<ss>\d\d)\] (?P<client>[^:]+): (?P<body>.*)")
SUMMARY = re.compile(
    r"check (?:client=(?P<client>\"(?:[^\"\\]|\\.)*\")|(?P<total>total)) "
    r"received=(?P<received>\d+) out_of_order=(?P<out_of_order>\d+) duplicates=(?P<duplicates>\d+)"
)
# Rich would colour its output if one of these said so, and the tests read plain text.
RICH_OVERRIDES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def _post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=5).read()


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory):
    """moto's server for the session, started by the monorepo's one process runner."""
    with aws_emulator(log_path=tmp_path_factory.mktemp("moto") / "moto_server.log") as url:
        yield url


def base_env(**overrides: str) -> dict[str, str]:
    """The test process's environment without any AWS setting of the machine's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_") and key not in RICH_OVERRIDES}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        # No ~/.aws file of the machine may change region, retries or endpoint.
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        # The tests run the source tree, installed or not.
        PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    )
    env.update(overrides)
    return env


@dataclass
class Output:
    """What queue-demo printed, parsed the way the README says it can be."""

    returncode: int
    stdout: str
    stderr: str
    arrivals: list[tuple[str, str]] = field(default_factory=list)
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)

    def __post_init__(self):
        for line in self.stdout.splitlines():
            if match := SUMMARY.fullmatch(line):
                key = "total" if match["total"] else match["client"].strip('"')
                self.summary[key] = {name: int(match[name]) for name in ("received", "out_of_order", "duplicates")}
            elif match := ARRIVAL.fullmatch(line):
                assert int(match["hh"]) < 24 and int(match["mm"]) < 60 and int(match["ss"]) < 60
                self.arrivals.append((match["client"], match["body"]))
            else:
                self.other.append(line)

    def bodies(self, client: str) -> list[str]:
        return [body for who, body in self.arrivals if who == client]


class Running:
    """A queue-demo process still running, whose stdout is read line by line as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def lines_so_far(self) -> list[str]:
        while not self._lines.empty():
            if (line := self._lines.get_nowait()) is not None:
                self._seen.append(line)
        return self._seen

    def wait_for_lines(self, count: int, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self._seen) < count:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self._seen.append(line)
        assert len(self._seen) >= count, f"only {len(self._seen)} lines came: {self._seen}"
        return self._seen

    def finish(self, timeout: float = 60) -> Output:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"queue-demo did not finish within {timeout} s")
        self._reader.join(timeout=10)
        self.lines_so_far()
        return Output(self.process.returncode, "".join(self._seen), self.process.stderr.read())


class QueueDemo:
    """Runs queue-demo as a separate process, the way a user at a terminal would.

    Keyword arguments to run() and start() change its environment; None removes a variable.
    """

    def __init__(self, env: dict[str, str]):
        self.env = env

    def _env(self, changes: dict[str, str | None]) -> dict[str, str]:
        env = {**self.env, **changes}
        return {key: value for key, value in env.items() if value is not None}

    def command(self, args, console_script: bool) -> list[str]:
        if console_script:
            script = BIN / "queue-demo"
            if not script.exists():
                pytest.fail(f"{script} is missing: run `pip install -e tools/queue-demo` first")
            return [str(script), *args]
        return [sys.executable, "-m", "queue_demo", *args]

    def run(self, *args: str, console_script: bool = False, timeout: float = 60, **env) -> Output:
        done = subprocess.run(
            self.command(args, console_script),
            env=self._env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Output(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, **env) -> Running:
        return Running(
            subprocess.Popen(
                self.command(args, console_script=False),
                env=self._env(env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                # A shell running tests in the background starts them with SIGINT
                # ignored, which every child inherits; a user's Ctrl-C always lands.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        )


@pytest.fixture
def aws_env(moto_url) -> dict[str, str]:
    """Environment for a queue-demo process that talks to a freshly reset moto."""
    _post(f"{moto_url}/moto-api/reset")
    return base_env(AWS_ENDPOINT_URL=moto_url)


@pytest.fixture
def demo(aws_env) -> QueueDemo:
    return QueueDemo(aws_env)


@pytest.fixture
def offline_demo() -> QueueDemo:
    """queue-demo with no emulator: for argument errors and unreachable endpoints."""
    return QueueDemo(base_env())


@pytest.fixture
def unused_url() -> str:
    """An address on this machine where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def sqs(aws_env):
    """A boto3 client on the same moto, to set up or inspect what the tool cannot."""
    return boto3.client(
        "sqs",
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
