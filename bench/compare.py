"""TaskOverflow against the course's Celery version, side by side on this machine: the same harness,
the same load, one system after the other, medians of --runs runs; prints the ratios.

    python bench/compare.py [--ref DIR] [--runs 3] [--todos 10 1000]

The reference (the public repository CSSE6400/practical07-BraeWebb, the folder holding `todo/`) is
cloned into ~/.cache/taskoverflow/reference/ unless --ref (or REF_DIR) names a copy; it is never
copied into this repository. bench/reference/run_reference.sh sets it up as it was first measured
(gunicorn -w 2, Celery --concurrency 2, Redis, PostgreSQL 16) and runs the harness against it.
TaskOverflow runs as `make up BROKER=redis` runs it: all three services under the supervisor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from local_stack import local_stack

from taskoverflow_devstack.ports import free_port

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "reference" / "pipeline_bench.py"
RUN_REFERENCE = HERE / "reference" / "run_reference.sh"
REFERENCE_REPOSITORY = "https://github.com/CSSE6400/practical07-BraeWebb"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "taskoverflow" / "reference"
# The load both systems get (the harness's defaults, as in the first measurements).
LOAD = {"JOBS": "300", "CONCURRENCY": "8", "DURATION": "10"}


def reference_dir(given: str | None) -> Path:
    """The reference's code: as given, or cloned once into the cache."""
    if given:
        return Path(given)
    target = CACHE / "practical07-BraeWebb"
    if not (target / "todo" / "__init__.py").exists():
        print(f"cloning {REFERENCE_REPOSITORY} into {target}", file=sys.stderr)
        subprocess.run(["git", "clone", "--depth", "1", REFERENCE_REPOSITORY, str(target)], check=True)
    return target


def run_reference(ref: Path, todos: int, runs: int, out: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        **LOAD,
        "TODOS": str(todos),
        "RUNS": str(runs),
        "API_PORT": str(free_port()),
        "REDIS_PORT": str(free_port()),
        "BENCH_DIR": str(CACHE / "bench"),
        "OUT": str(out),
    }
    subprocess.run(["bash", str(RUN_REFERENCE), str(ref)], env=env, check=True, stdout=subprocess.DEVNULL)
    median: dict[str, Any] = json.loads((out / "median.json").read_text())["median"]
    return median


def run_taskoverflow(base_url: str, todos: int, runs: int, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    harness = [sys.executable, str(HARNESS), "--base-url", base_url, "--reset", "--todos", str(todos)]
    harness += ["--jobs", LOAD["JOBS"], "--concurrency", LOAD["CONCURRENCY"], "--duration", LOAD["DURATION"]]
    for n in range(1, runs + 1):
        subprocess.run([*harness, "--out", str(out / f"run{n}.json")], check=True, stdout=subprocess.DEVNULL)
    files = [str(path) for path in sorted(out.glob("run*.json"))]
    subprocess.run(
        [sys.executable, str(HARNESS), "--median-of", *files, "--out", str(out / "median.json")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    median: dict[str, Any] = json.loads((out / "median.json").read_text())["median"]
    return median


# (label, phase, key, "higher" is better or "lower", the goal as a ratio of TaskOverflow to the reference)
METRICS = [
    ("reads, requests/s", "read", "rps", "higher", 2.0),
    ("reads, p99 ms", "read", "p99_ms", "lower", 1.0),
    ("pipeline, jobs/s", "pipeline", "jobs_per_s", "higher", None),
    ("pipeline, p50 ms", "pipeline", "latency_p50_ms", "lower", 0.5),
    ("pipeline, p99 ms", "pipeline", "latency_p99_ms", "lower", None),
    ("pipeline, failed + lost", "pipeline", "failed_and_lost", "lower", None),
]
# The pipeline's throughput goal depends on the calendar's size.
PIPELINE_GOAL = {10: 2.0, 1000: 5.0}


def _value(median: dict[str, Any], phase: str, key: str) -> float | None:
    section = median.get(phase, {})
    if key == "failed_and_lost":
        return float(section.get("failed", 0) + section.get("lost", 0))
    value = section.get(key)
    return None if value is None else float(value)


def report(todos: int, reference: dict[str, Any], ours: dict[str, Any]) -> None:
    print(f"\n{todos} todos per calendar")
    print(f"  {'metric':26} {'reference':>10} {'TaskOverflow':>13} {'ratio':>7}  goal")
    for label, phase, key, better, goal in METRICS:
        theirs, mine = _value(reference, phase, key), _value(ours, phase, key)
        goal = PIPELINE_GOAL.get(todos) if key == "jobs_per_s" else goal
        ratio = f"x{mine / theirs:.2f}" if theirs and mine is not None else "-"
        wanted = "" if goal is None else f"{'>=' if better == 'higher' else '<='} x{goal:g}"
        print(f"  {label:26} {_show(theirs):>10} {_show(mine):>13} {ratio:>7}  {wanted}")


def reference_memory(out: Path) -> dict[str, tuple[int, int]]:
    """What run_reference.sh recorded of each of its programs just before stopping them."""
    path = out / "memory.json"
    if not path.exists():
        return {}
    return {name: (int(proportional), int(peak)) for name, (proportional, peak) in json.loads(path.read_text()).items()}


def report_memory(systems: dict[str, dict[str, tuple[int, int]]]) -> None:
    """Each program's memory after the runs, summed over its processes: its proportional share now (PSS:
    shared pages split among the processes sharing them) and its peak resident set (VmHWM: shared
    pages counted in every process, so an upper bound)."""
    for system, programs in systems.items():
        total = sum(proportional for proportional, _ in programs.values())
        shown = ", ".join(
            f"{name} {proportional / 2**20:.0f}/{peak / 2**20:.0f}"
            for name, (proportional, peak) in sorted(programs.items(), key=lambda item: -item[1][0])
        )
        print(
            f"  memory, {system} (MiB, PSS now / peak resident): {shown or '-'}; in all {total / 2**20:.0f} MiB (PSS)"
        )


def _show(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default=os.environ.get("REF_DIR"), help="the reference's folder holding todo/")
    parser.add_argument("--runs", type=int, default=3, help="runs per system and size; medians are compared (3)")
    parser.add_argument("--todos", type=int, nargs="+", default=[10, 1000], help="calendar sizes (10 1000)")
    args = parser.parse_args()
    ref = reference_dir(args.ref)
    results = Path(tempfile.mkdtemp(prefix="taskoverflow-compare-"))
    medians: dict[int, dict[str, dict[str, Any]]] = {}
    memory: dict[int, dict[str, dict[str, tuple[int, int]]]] = {}
    for todos in args.todos:
        # One system after the other, never both at once: the reference first, then TaskOverflow.
        print(f"reference, {todos} todos, {args.runs} runs ...", file=sys.stderr)
        reference = run_reference(ref, todos, args.runs, results / f"reference-{todos}")
        print(f"TaskOverflow (make up BROKER=redis), {todos} todos, {args.runs} runs ...", file=sys.stderr)
        with local_stack("redis") as stack:
            ours = run_taskoverflow(stack.base_url, todos, args.runs, results / f"taskoverflow-{todos}")
            memory[todos] = {
                "TaskOverflow": stack.memory(),
                "reference": reference_memory(results / f"reference-{todos}"),
            }
        medians[todos] = {"reference": reference, "taskoverflow": ours}
    print(f"Side by side on this machine ({os.cpu_count()} cores), medians of {args.runs} runs; results in {results}")
    for todos, pair in medians.items():
        report(todos, pair["reference"], pair["taskoverflow"])
        report_memory(memory[todos])


if __name__ == "__main__":
    main()
