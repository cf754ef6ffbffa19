"""Benchmark calendar feeds: F feeds polled with If-None-Match at concurrency C while todos are edited at E/s.

Starts its own PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL to use others), the API as
its image runs it and the calendar-worker under Dramatiq's CLI, seeds 10 todos (all due within 30
days, so every edit touches every feed) and F feeds over four selections, then, with the editor
running throughout, measures for the same time, in alternating slices:

- GET /api/v1/todos (10 todos) at concurrency C, for comparison: requests/s, p99;
- the feeds, each client taking the next feed in turn and sending the ETag it last saw: polls/s,
  p99, and how many were 304;

and prints feed builds per edit (the worker's `feed_calendar_built` lines over the edits made) and
staleness: from an edit's answer to the first poll of an all-todos feed showing it (a watcher polls
that feed every 20 ms), p50 and p99. The load comes from wrk when it is installed (`apt-get install
wrk`; feed_polls.lua keeps each client's ETags), else from a Python client that itself takes about a
third of a 2-core machine: compare figures from the same generator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from taskoverflow_devstack import embedded
from taskoverflow_devstack.ports import free_port
from taskoverflow_devstack.services import run_api, run_consumer, service_env, truncate_all
from taskoverflow_devstack.waiting import wait_until

from http_load import LoadResult
from wrk_load import _ms

SCRIPT = Path(__file__).with_name("feed_polls.lua")

SELECTIONS = ({}, {"completed": False}, {"window": 30}, {"completed": False, "window": 365})
TODOS = 10
_TITLE = re.compile(r"SUMMARY:todo (\d+) edit (\d+)\r\n")


def _seed(base_url: str, database_url: str) -> list[int]:
    truncate_all(database_url)
    ids = []
    with requests.Session() as session:
        for i in range(TODOS):
            body = {
                "title": f"todo {i} edit 0",
                "deadline_at": time.strftime("%Y-%m-%dT09:00:00", time.gmtime(time.time() + (i + 1) * 86400)),
            }
            response = session.post(f"{base_url}/api/v1/todos", json=body)
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


def _create_feeds(base_url: str, count: int) -> list[str]:
    with requests.Session() as session:
        urls = []
        for n in range(count):
            response = session.post(f"{base_url}/api/v1/calendar-feeds", json=SELECTIONS[n % len(SELECTIONS)])
            response.raise_for_status()
            urls.append(response.json()["feed_url"])
        # Every feed's first calendar built before measuring.
        for url in urls[: len(SELECTIONS)]:
            wait_until(lambda url=url: session.get(url).status_code == 200, timeout=60, what=f"{url} built")
    return urls


class Editor(threading.Thread):
    """Renames the todos in turn at `rate` edits/s; records when each edit was answered."""

    def __init__(self, base_url: str, todo_ids: list[int], rate: float) -> None:
        super().__init__(daemon=True)
        self.base_url, self.todo_ids, self.rate = base_url, todo_ids, rate
        self.answered: list[tuple[int, int, float]] = []  # (todo index, edit number, when answered)
        self.stop = threading.Event()

    def run(self) -> None:
        session, n, start = requests.Session(), 0, time.perf_counter()
        while self.rate > 0 and not self.stop.is_set():
            n += 1
            index = n % len(self.todo_ids)
            session.put(
                f"{self.base_url}/api/v1/todos/{self.todo_ids[index]}", json={"title": f"todo {index} edit {n}"}
            ).raise_for_status()
            self.answered.append((index, n, time.perf_counter()))
            # A fixed schedule, not a fixed pause: a slow answer does not lower the rate.
            delay = start + n / self.rate - time.perf_counter()
            if delay > 0:
                self.stop.wait(delay)


class Watcher(threading.Thread):
    """Polls one all-todos feed every 20 ms; records when each todo's edit number was first seen."""

    def __init__(self, feed_url: str) -> None:
        super().__init__(daemon=True)
        self.feed_url = feed_url
        self.seen: list[tuple[float, dict[int, int]]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        session, etag = requests.Session(), ""
        while not self.stop.wait(0.02):
            response = session.get(self.feed_url, headers={"If-None-Match": etag} if etag else {})
            if response.status_code == 200:
                etag = response.headers["ETag"]
                shown = {int(todo): int(edit) for todo, edit in _TITLE.findall(response.text)}
                self.seen.append((time.perf_counter(), shown))


def _staleness(editor: Editor, watcher: Watcher) -> list[float]:
    """For each edit: the first observation showing it (or a later edit of the same todo), minus its answer."""
    out = []
    for index, n, answered in editor.answered:
        shown = next((t for t, edits in watcher.seen if t >= answered and edits.get(index, 0) >= n), None)
        if shown is not None:
            out.append(shown - answered)
    return out


async def _poll(
    urls: list[str], concurrency: int, warmup_s: float, duration_s: float, etags: dict[str, str] | None
) -> LoadResult:
    """Poll `urls` in turn from `concurrency` keep-alive clients; with `etags`, conditionally (and kept up to date)."""
    parts = urlsplit(urls[0])
    conditional = etags is not None
    etags = {} if etags is None else etags
    cursor = iter(range(1 << 62))
    start = time.perf_counter()
    record_from, stop_at = start + warmup_s, start + warmup_s + duration_s
    result = LoadResult([], {}, 0, duration_s)

    # Built once: the client's own cost per request stays as small as http_load's.
    heads = [f"GET {urlsplit(url).path} HTTP/1.1\r\nHost: {parts.netloc}\r\n" for url in urls]

    async def client() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while (started := time.perf_counter()) < stop_at:
            n = next(cursor) % len(urls)
            url = urls[n]
            extra = f"If-None-Match: {etags[url]}\r\n" if conditional and url in etags else ""
            writer.write(f"{heads[n]}{extra}\r\n".encode())
            try:
                status, close, etag = await _read_response_with_etag(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += started >= record_from
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                continue
            if etag:
                etags[url] = etag
            if started >= record_from:
                result.latencies_s.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return result


async def _read_response_with_etag(reader: asyncio.StreamReader) -> tuple[int, bool, str | None]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status, length, close, etag = int(lines[0].split(" ", 2)[1]), 0, False, None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.lower() == "close":
            close = True
        elif name == "etag":
            etag = value
    await reader.readexactly(length)
    return status, close, etag


def _interleaved(
    todos_url: str, feeds: list[str], args: argparse.Namespace, rounds: int
) -> tuple[LoadResult, LoadResult]:
    """The list and the feeds measured in alternating slices, so that the machine's drift (other work,
    the editor) falls on both alike; one warm-up each first."""
    etags: dict[str, str] = {}
    asyncio.run(_poll([todos_url], args.concurrency, 0, args.warmup, None))
    asyncio.run(_poll(feeds, args.concurrency, 0, args.warmup, etags))
    total = {"todos": LoadResult([], {}, 0, 0.0), "feeds": LoadResult([], {}, 0, 0.0)}
    for _ in range(rounds):
        for name, urls, tags in (("todos", [todos_url], None), ("feeds", feeds, etags)):
            part = asyncio.run(_poll(urls, args.concurrency, 0, args.duration / rounds, tags))
            into = total[name]
            into.latencies_s += part.latencies_s
            into.errors += part.errors
            into.duration_s += part.duration_s
            for status, n in part.statuses.items():
                into.statuses[status] = into.statuses.get(status, 0) + n
    return total["todos"], total["feeds"]


@dataclasses.dataclass
class Slices:
    """What alternating wrk runs showed for one target: totals, and each slice's percentiles."""

    requests: int = 0
    seconds: float = 0.0
    p50s_ms: list[float] = dataclasses.field(default_factory=list)
    p99s_ms: list[float] = dataclasses.field(default_factory=list)
    bad: int = 0
    not_modified: int = 0

    def add(self, out: str) -> None:
        done = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", out)
        assert done is not None, out
        self.requests += int(done.group(1))
        self.seconds += float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
        self.p50s_ms.append(_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)))
        self.p99s_ms.append(_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)))
        non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
        self.bad += (int(non.group(1)) if non else 0) + errors
        if found := re.search(r"Not modified: (\d+)", out):
            self.not_modified += int(found.group(1))


def _wrk(url: str, seconds: float, concurrency: int, script_arg: Path | None = None) -> str:
    # One connection per thread: a feed thread's response is then always to its own last request.
    command = ["wrk", "-t", str(concurrency), "-c", str(concurrency), "-d", f"{seconds:g}s", "--latency"]
    if script_arg is not None:
        command += ["-s", str(SCRIPT), url, "--", str(script_arg)]
    else:
        command.append(url)
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _seed_file(feeds: list[str], path: Path) -> Path:
    """Each feed's path and the ETag of its calendar now: clients that have polled before."""
    with requests.Session() as session:
        current = [session.get(url).headers.get("ETag", "") for url in feeds[: len(SELECTIONS)]]
    lines = [f"{urlsplit(url).path} {current[n % len(SELECTIONS)]}" for n, url in enumerate(feeds)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _interleaved_wrk(todos_url: str, feeds: list[str], args: argparse.Namespace, tmp: Path) -> tuple[Slices, Slices]:
    """As _interleaved, with wrk: each slice a run of its own (its clients' ETags seeded first)."""
    base = feeds[0].split("/api/", 1)[0]
    _wrk(todos_url, args.warmup, args.concurrency)
    _wrk(base, args.warmup, args.concurrency, _seed_file(feeds, tmp / "feeds.txt"))
    todos, polls = Slices(), Slices()
    for _ in range(args.rounds):
        todos.add(_wrk(todos_url, args.duration / args.rounds, args.concurrency))
        polls.add(_wrk(base, args.duration / args.rounds, args.concurrency, _seed_file(feeds, tmp / "feeds.txt")))
    return todos, polls


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def _builds(log: Path) -> int:
    return sum(1 for line in log.read_text(errors="replace").splitlines() if '"feed_calendar_built"' in line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--edits-per-s", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured for each of the two")
    parser.add_argument("--rounds", type=int, default=5, help="alternating slices the duration is cut into")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--logs", type=Path, help="keep the services' logs in this folder")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="feed-bench-")))
        logs = args.logs or tmp
        logs.mkdir(parents=True, exist_ok=True)
        database_url = os.environ.get("BENCH_DATABASE_URL") or stack.enter_context(embedded.postgres(tmp / "pg"))
        redis_url = os.environ.get("BENCH_REDIS_URL") or stack.enter_context(embedded.redis())
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = service_env(
            DATABASE_URL=database_url,
            BROKER_URL=redis_url,
            PORT=str(port),
            HOST="127.0.0.1",
            PUBLIC_BASE_URL=base_url,
            QUEUE_NAMESPACE=f"bench{os.getpid()}",
        )
        stack.enter_context(run_api(env, log_path=logs / "api.log"))
        worker_log = logs / "worker.log"
        stack.enter_context(run_consumer("taskoverflow_calendar_worker", env, log_path=worker_log))
        use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk") is not None)
        todo_ids = _seed(base_url, database_url)
        feeds = _create_feeds(base_url, args.feeds)
        print(
            f"broker: Redis; API and calendar-worker with their defaults (FEED_BUILD_DELAY_MS="
            f"{env.get('FEED_BUILD_DELAY_MS', '500')}); {len(feeds)} feeds over {len(SELECTIONS)} selections, "
            f"{TODOS} todos edited at {args.edits_per_s:g}/s; concurrency {args.concurrency}, "
            f"warm-up {args.warmup:g} s, measured {args.duration:g} s each in {args.rounds} alternating slices;"
            f" load: {'wrk' if use_wrk else 'python client'}"
        )
        editor, watcher = Editor(base_url, todo_ids, args.edits_per_s), Watcher(feeds[0])
        editor.start()
        watcher.start()
        time.sleep(1)
        if args.edits_per_s == 0:
            editor.stop.set()
        edits_before, builds_before = len(editor.answered), _builds(worker_log)
        if use_wrk:
            todos_seen, polls_seen = _interleaved_wrk(f"{base_url}/api/v1/todos", feeds, args, tmp)
        else:
            todos, polls = _interleaved(f"{base_url}/api/v1/todos", feeds, args, args.rounds)
        edits, builds = len(editor.answered) - edits_before, _builds(worker_log) - builds_before
        editor.stop.set()
        editor.join()
        time.sleep(2)  # the last edits reach the feed
        watcher.stop.set()
        watcher.join()
        stale = _staleness(editor, watcher)
        print(f"{'':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'304s':>6} {'non-2xx/3xx':>12}")
        rates = []
        if use_wrk:
            # wrk gives percentiles, not latencies: the median slice's p50, the worst slice's p99.
            for name, sliced in (("GET /api/v1/todos", todos_seen), ("feed polls", polls_seen)):
                rates.append(sliced.requests / sliced.seconds)
                print(
                    f"{name:<24} {rates[-1]:>8.0f} {sorted(sliced.p50s_ms)[len(sliced.p50s_ms) // 2]:>8.2f}"
                    f" {max(sliced.p99s_ms):>8.2f} {sliced.not_modified / max(1, sliced.requests):>6.0%}"
                    f" {sliced.bad:>12}"
                )
        else:
            for name, seen in (("GET /api/v1/todos", todos), ("feed polls", polls)):
                bad = seen.errors + sum(n for status, n in seen.statuses.items() if status not in (200, 304))
                rates.append(seen.per_second)
                print(
                    f"{name:<24} {seen.per_second:>8.0f} {seen.percentile_ms(50):>8.2f}"
                    f" {seen.percentile_ms(99):>8.2f} {seen.statuses.get(304, 0) / max(1, seen.requests):>6.0%}"
                    f" {bad:>12}"
                )
        print(f"feed polls / list requests: {rates[1] / rates[0]:.2f}")
        print(
            f"builds per edit: {builds / max(1, edits):.2f} ({builds} builds of {len(SELECTIONS)} shared calendars"
            f" for {edits} edits while measuring; {builds / max(1, edits) / len(SELECTIONS):.3f} per edit and calendar)"
        )
        print(
            f"staleness (edit answered -> feed shows it): p50 {_q(stale, 0.5):.0f} ms, p99 {_q(stale, 0.99):.0f} ms,"
            f" {len(stale)} of {len(editor.answered)} edits seen"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
