"""Logging set-up, in a fresh process each time: one JSON object a line, from structlog and stdlib alike."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest


def run_logging(script: str) -> list[str]:
    """Run `script` after `configure_logging` was imported; return what it wrote to stderr, line by line."""
    prelude = "import logging, structlog\nfrom taskoverflow_shared.logging import configure_logging\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return result.stderr.splitlines()


def json_lines(script: str) -> list[dict]:
    lines = run_logging(script)
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not one JSON object on this line: {line!r}")
    return parsed


def test_structlog_and_stdlib_lines_are_one_json_object_each() -> None:
    # When an event is logged through structlog and a library logs through stdlib logging
    lines = json_lines(
        """
        configure_logging("json")
        structlog.get_logger().info("thing_done", count=3)
        logging.getLogger("dramatiq").warning("worker %s started", "w1")
        """
    )

    # Then each is one JSON object with its event and level, and a UTC timestamp
    own, library = lines
    assert (own["event"], own["level"], own["count"]) == ("thing_done", "info", 3)
    assert (library["event"], library["level"], library["logger"]) == ("worker w1 started", "warning", "dramatiq")
    assert own["timestamp"].endswith("Z") and library["timestamp"].endswith("Z")


def test_bound_context_appears_on_both_kinds_of_line() -> None:
    lines = json_lines(
        """
        configure_logging("json")
        structlog.contextvars.bind_contextvars(job_id="job-1", correlation_id="req-1")
        structlog.get_logger().info("calendar_built", events=2)
        logging.getLogger("botocore").warning("retrying")
        structlog.contextvars.clear_contextvars()
        structlog.get_logger().info("after")
        """
    )

    built, retrying, after = lines
    for line in (built, retrying):
        assert (line["job_id"], line["correlation_id"]) == ("job-1", "req-1")
    assert "job_id" not in after and "correlation_id" not in after


def test_an_exception_stays_on_one_line() -> None:
    lines = json_lines(
        """
        configure_logging("json")
        try:
            1 / 0
        except ZeroDivisionError:
            structlog.get_logger().exception("job_failed", job_id="job-2")
            logging.getLogger("dramatiq").exception("actor crashed")
        """
    )

    own, library = lines
    assert (own["event"], own["level"], own["job_id"]) == ("job_failed", "error", "job-2")
    assert (library["event"], library["level"]) == ("actor crashed", "error")
    for line in (own, library):
        assert "ZeroDivisionError" in line["exception"] and "Traceback" in line["exception"]


def test_a_field_json_cannot_hold_is_written_as_text() -> None:
    (line,) = json_lines(
        """
        import uuid
        configure_logging("json")
        structlog.get_logger().info("odd_fields", job=uuid.UUID(int=1), error=ValueError("bad"))
        """
    )

    assert line["job"] == "00000000-0000-0000-0000-000000000001"
    assert line["error"] == "bad"


def test_lines_below_the_level_are_dropped_and_chatty_libraries_quieted() -> None:
    lines = json_lines(
        """
        configure_logging("json", "WARNING")
        structlog.get_logger().info("hidden")
        logging.getLogger("dramatiq").info("hidden too")
        structlog.get_logger().warning("shown")
        configure_logging("json", "INFO")
        logging.getLogger("botocore").info("endpoint chatter")
        logging.getLogger("dramatiq").info("shown too")
        """
    )

    assert [line["event"] for line in lines] == ["shown", "shown too"]


def test_configuring_again_or_after_gunicorn_does_not_double_lines() -> None:
    # Given handlers installed the way gunicorn and dramatiq's CLI install theirs
    lines = json_lines(
        """
        import sys
        logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
        logging.getLogger("gunicorn.error").addHandler(logging.StreamHandler(sys.stderr))
        configure_logging("json")
        configure_logging("json")
        logging.getLogger("gunicorn.error").warning("booting worker")
        structlog.get_logger().info("once")
        """
    )

    # Then each line comes out once, in our format
    assert [line["event"] for line in lines] == ["booting worker", "once"]
    assert lines[0]["logger"] == "gunicorn.error"


def test_console_format_is_for_people() -> None:
    lines = run_logging(
        """
        configure_logging("console")
        structlog.get_logger().info("thing_done", count=3)
        logging.getLogger("dramatiq").warning("worker started")
        """
    )

    assert len(lines) == 2
    assert "thing_done" in lines[0] and "count=3" in lines[0] and not lines[0].startswith("{")
    assert "worker started" in lines[1] and "dramatiq" in lines[1]


def test_every_line_names_the_service_that_wrote_it() -> None:
    # Given a process configured as the calendar-worker (several services share one terminal under `make up`)
    lines = json_lines(
        """
        configure_logging("json", service="calendar-worker")
        structlog.get_logger().info("calendar_built")
        logging.getLogger("dramatiq").warning("worker started")
        """
    )

    # Then its own lines and its libraries' lines both carry the name
    assert [line["service"] for line in lines] == ["calendar-worker", "calendar-worker"]


def test_on_a_console_the_service_is_the_column_after_the_time() -> None:
    lines = run_logging(
        """
        configure_logging("console", service="api")
        structlog.get_logger().info("request_finished", status=200)
        logging.getLogger("gunicorn.error").info("booting worker")
        """
    )

    for line in lines:
        timestamp, service, *_ = line.split()
        assert timestamp.endswith("Z") and service == "api"
