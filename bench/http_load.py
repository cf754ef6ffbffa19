"""A small closed-loop HTTP/1.1 load generator on asyncio streams (keep-alive when the server allows)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from urllib.parse import urlsplit


@dataclasses.dataclass(frozen=True)
class Measurement:
    """What a load run shows, whichever generator made it."""

    generator: str
    per_second: float
    p50_ms: float
    p99_ms: float
    non_200: int


@dataclasses.dataclass
class LoadResult:
    latencies_s: list[float]
    statuses: dict[int, int]
    errors: int
    duration_s: float

    @property
    def requests(self) -> int:
        return len(self.latencies_s)

    @property
    def per_second(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def non_200(self) -> int:
        return self.errors + sum(n for status, n in self.statuses.items() if status != 200)

    def percentile_ms(self, p: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    await reader.readexactly(length)
    return status, close


async def _client(host: str, port: int, request: bytes, stop_at: float, record_from: float, result: LoadResult) -> None:
    reader = writer = None
    while (now := time.perf_counter()) < stop_at:
        started = now
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            status, close = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            if started >= record_from:
                result.errors += 1
            writer = None
            continue
        if started >= record_from:
            result.latencies_s.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _run(url: str, concurrency: int, warmup_s: float, duration_s: float) -> LoadResult:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: application/json\r\n\r\n".encode()
    start = time.perf_counter()
    record_from, stop_at = start + warmup_s, start + warmup_s + duration_s
    result = LoadResult([], {}, 0, duration_s)
    await asyncio.gather(
        *(_client(parts.hostname, parts.port or 80, request, stop_at, record_from, result) for _ in range(concurrency))
    )
    return result


def drive(url: str, *, concurrency: int, warmup_s: float, duration_s: float) -> Measurement:
    """Hit `url` with `concurrency` clients back to back; only requests started after the warm-up count."""
    result = asyncio.run(_run(url, concurrency, warmup_s, duration_s))
    return Measurement("python", result.per_second, result.percentile_ms(50), result.percentile_ms(99), result.non_200)
