"""Export from the web page in a real browser, through the running services (the API under gunicorn,
the calendar-worker under Dramatiq's CLI): the job's status moves on the page until SUCCESS, and
the .ics the person downloads is a calendar of their todos."""

from __future__ import annotations

import re

import icalendar
import pytest
import requests
from playwright.sync_api import Page, expect

from browser_pages import PageLog, save_screenshot

pytestmark = pytest.mark.integration

# A job moves PENDING -> STARTED (-> RETRY -> STARTED ...) -> SUCCESS; between two polls the page may
# miss any status but the first (the 202 means PENDING) and the last.
JOB_TRAIL = r"PENDING( → STARTED)?( → RETRY( → STARTED)?)* → SUCCESS"


def test_export_follows_the_job_to_success_and_downloads_the_calendar(
    stack, clean_database, page: Page, page_log: PageLog
) -> None:
    api = stack.base_url
    # Given two todos with deadlines (one of them done) and one without
    for todo in (
        {"title": "Submit report", "description": "Quarterly numbers", "deadline_at": "2026-12-24T07:00:00"},
        {"title": "Dentist", "deadline_at": "2026-12-27T23:30:00", "completed": True},
        {"title": "Someday: learn the cello"},
    ):
        assert requests.post(f"{api}/api/v1/todos", json=todo, timeout=10).status_code == 201
    page.goto(api)
    expect(page.get_by_role("list").get_by_role("listitem")).to_have_count(3)

    # When the person exports
    page.get_by_role("button", name="Export calendar").click()

    # Then the status line follows the job to the end, in order
    status = page.locator("#export-status")
    expect(status).to_have_attribute("data-status", "SUCCESS", timeout=60_000)
    expect(status).to_contain_text("your calendar is ready (2 events)")
    trail = status.inner_text().removeprefix("Export: ").split(":")[0]
    assert re.fullmatch(JOB_TRAIL, trail), trail

    # When they download the calendar
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download taskoverflow.ics").click()
    download = download_info.value

    # Then it is an iCalendar file of the two todos with deadlines, at their times
    assert download.suggested_filename == "taskoverflow.ics"
    calendar = icalendar.Calendar.from_ical(download.path().read_bytes())
    starts = {str(event["SUMMARY"]): event.decoded("DTSTART").isoformat() for event in calendar.walk("VEVENT")}
    assert starts == {"Submit report": "2026-12-24T07:00:00+00:00", "Dentist": "2026-12-27T23:30:00+00:00"}
    assert page_log.console_errors == []
    save_screenshot(page, "desktop")
