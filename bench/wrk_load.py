"""Drive a URL with wrk (C, event-driven) when it is installed: a load generator that leaves the
CPU to the server, where the Python one (http_load.py) takes a third of a 2-core machine."""

from __future__ import annotations

import re
import shutil
import subprocess

from http_load import Measurement

_MS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _MS_PER_UNIT[unit]


def drive(url: str, *, concurrency: int, warmup_s: float, duration_s: float) -> Measurement:
    """`concurrency` keep-alive connections on one wrk thread (enough here, and the least CPU); the warm-up is a run of its own."""
    base = ["wrk", "-t", "1", "-c", str(concurrency)]
    subprocess.run([*base, "-d", f"{warmup_s:g}s", url], capture_output=True, check=True)
    out = subprocess.run(
        [*base, "-d", f"{duration_s:g}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    p50, p99 = (_ms(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1)) for p in (50, 99))
    return Measurement("wrk", rate, p50, p99, non_2xx + errors)
