"""Subscribe from the web page in a real browser, through the running services: the feed's two links
are shown, the copy button copies one, and the URL serves a calendar of the todos the filter shows."""

from __future__ import annotations

import re

import icalendar
import pytest
import requests
from playwright.sync_api import Page, expect

from taskoverflow_devstack.waiting import wait_until

from browser_pages import PageLog, save_screenshot

pytestmark = pytest.mark.integration


def test_subscribe_shows_the_feed_links_and_the_feed_is_a_calendar_of_the_filter(
    stack, clean_database, page: Page, page_log: PageLog
) -> None:
    api = stack.base_url
    # Given an open todo and a done one, and the page showing only open todos
    for todo in (
        {"title": "Submit report", "deadline_at": "2026-12-24T07:00:00"},
        {"title": "Dentist", "deadline_at": "2026-12-27T23:30:00", "completed": True},
    ):
        assert requests.post(f"{api}/api/v1/todos", json=todo, timeout=10).status_code == 201
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=api)
    page.goto(api)
    page.get_by_label("Show").select_option(label="Not done")
    expect(page.get_by_role("list").get_by_role("listitem")).to_have_count(1)

    # When the person subscribes
    page.get_by_role("button", name="Subscribe").click()

    # Then both links are shown, and the copy button puts the webcal:// one on the clipboard
    expect(page.get_by_role("status").filter(has_text="Your feed is ready")).to_be_visible()
    webcal = page.get_by_label("For calendar apps (webcal://)")
    https = page.get_by_label("As a web address")
    expect(webcal).to_have_value(re.compile(r"^webcal://"))
    feed_url = https.input_value()
    assert feed_url.startswith(f"{api}/api/v1/calendar-feeds/") and feed_url.endswith(".ics")
    assert webcal.input_value() == "webcal://" + feed_url.split("://", 1)[1]
    page.get_by_role("button", name="Copy the webcal:// link").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == webcal.input_value()
    save_screenshot(page, "subscribe-desktop")

    # And the feed URL serves a calendar a standard parser reads, of the open todo only
    # (503 with Retry-After until the worker has built its first calendar, a moment later)
    served = wait_until(
        lambda: (r := requests.get(feed_url, timeout=5)).status_code == 200 and r,
        timeout=30,
        what="the feed's first calendar",
        interval=0.2,
    )
    events = icalendar.Calendar.from_ical(served.text).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Submit report"]
    assert page_log.console_errors == []
