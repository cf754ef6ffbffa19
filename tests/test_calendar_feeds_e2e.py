"""Calendar feeds through real processes (the API under gunicorn, the calendar-worker under Dramatiq's
CLI), over SQS (moto's server) and over Redis: a feed is served from its latest build with ETag/304,
follows edits with few builds, keeps the UIDs of an export, and answers 410 once revoked."""

from __future__ import annotations

import json

import icalendar
import psycopg2
import pytest
import requests
from feeds import create_feed, wait_for_feed
from ical.calendar_stream import IcsCalendarStream

from taskoverflow_devstack.waiting import wait_until

from jobs import wait_for_job

pytestmark = pytest.mark.integration


def _todo(api: str, **fields) -> dict:
    response = requests.post(f"{api}/api/v1/todos", json=fields, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def _summaries(ics: str) -> set[str]:
    return {str(event["SUMMARY"]) for event in icalendar.Calendar.from_ical(ics).walk("VEVENT")}


def _feed_builds(stack, calendar_id: str) -> int:
    """How many times the calendar-worker built this feed calendar (its log lines)."""
    lines = (json.loads(line) for line in stack.log_text().splitlines() if line.startswith("{"))
    return sum(1 for line in lines if line.get("event") == "feed_calendar_built" and line.get("job_id") == calendar_id)


def _calendar_of(database_url: str, feed_id: str) -> str:
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT calendar_id::text FROM calendar_feeds WHERE id = %s", (feed_id,))
        row = cur.fetchone()
    conn.close()
    assert row is not None
    return row[0]


def test_a_feed_serves_its_selection_with_the_exports_uids_and_polls_cost_a_304(stack, clean_database) -> None:
    api = stack.base_url
    # Given an open todo, a done one and one without a deadline
    _todo(api, title="Submit report", deadline_at="2026-12-24T07:00:00")
    _todo(api, title="Pay rent", completed=True, deadline_at="2026-12-01T09:30:00")
    _todo(api, title="Someday")

    # When a feed of the open todos is created and fetched
    feed = create_feed(api, completed=False)
    response = wait_for_feed(feed["feed_url"])

    # Then its URLs carry a long token, and it is a calendar of exactly the open todo, read by two parsers
    token = feed["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 22  # 128 bits in URL-safe base64
    assert feed["webcal_url"] == "webcal://" + feed["feed_url"].split("://", 1)[1]
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert _summaries(response.text) == {"Submit report"}
    strict = IcsCalendarStream.calendar_from_ics(response.text)
    assert [event.summary for event in strict.events] == ["Submit report"]
    calendar = icalendar.Calendar.from_ical(response.text)
    assert str(calendar["REFRESH-INTERVAL"].to_ical(), "ascii") == "PT15M"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT15M"

    # And an export of the same todo gives it the same UID (no duplicate for someone who imported it)
    started = requests.post(f"{api}/api/v1/todos/ical", json={"completed": False}, timeout=10).json()
    wait_for_job(started["task_url"])
    exported = requests.get(f"{api}/api/v1/todos/ical/{started['task_id']}/result", timeout=10).text
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(exported).walk("VEVENT")}
    assert uids == {str(e["UID"]) for e in calendar.walk("VEVENT")}

    # When a calendar app polls again with the ETag, or the date, it got
    etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
    again = requests.get(feed["feed_url"], headers={"If-None-Match": etag}, timeout=5)
    by_date = requests.get(feed["feed_url"], headers={"If-Modified-Since": last_modified}, timeout=5)

    # Then nothing is sent again
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    assert by_date.status_code == 304


def test_a_feed_follows_edits_and_serves_the_previous_calendar_meanwhile(stack, clean_database) -> None:
    api = stack.base_url
    todo = _todo(api, title="Draft", deadline_at="2026-12-24T07:00:00")
    feed = create_feed(api, completed=False)
    first = wait_for_feed(feed["feed_url"], containing="Draft")

    # When the todo is renamed
    assert requests.put(f"{api}/api/v1/todos/{todo['id']}", json={"title": "Final"}, timeout=10).status_code == 200

    # Then every poll gets a whole calendar, the old one until the new one is built, then the new one
    def renamed() -> requests.Response | None:
        response = requests.get(feed["feed_url"], headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
        assert response.status_code in (200, 304), response.text
        if response.status_code == 304:
            return None
        assert _summaries(response.text) == {"Final"}
        return response

    updated = wait_until(renamed, timeout=30, what="the feed showing the new title", interval=0.1)
    assert updated.headers["ETag"] != first.headers["ETag"]

    # When it is completed, it leaves a feed of open todos
    assert requests.put(f"{api}/api/v1/todos/{todo['id']}", json={"completed": True}, timeout=10).status_code == 200
    wait_until(
        lambda: _summaries(requests.get(feed["feed_url"], timeout=5).text) == set(),
        timeout=30,
        what="the completed todo gone from the feed",
        interval=0.1,
    )


def test_a_burst_of_edits_gives_a_few_builds_not_one_each(stack, clean_database) -> None:
    api = stack.base_url
    todo = _todo(api, title="edit 0", deadline_at="2026-12-24T07:00:00")
    feed = create_feed(api)
    wait_for_feed(feed["feed_url"], containing="edit 0")
    calendar_id = _calendar_of(stack.env["DATABASE_URL"], feed["id"])
    builds_before = _feed_builds(stack, calendar_id)

    # When the todo is edited 100 times in a row
    with requests.Session() as session:
        for n in range(1, 101):
            assert session.put(f"{api}/api/v1/todos/{todo['id']}", json={"title": f"edit {n}"}).status_code == 200

    # Then the feed shows the last edit, after a handful of builds, not one per edit (one per
    # FEED_BUILD_DELAY_MS of editing at most, plus one for edits made during a build)
    wait_for_feed(feed["feed_url"], containing="SUMMARY:edit 100\r\n")
    builds = _feed_builds(stack, calendar_id) - builds_before
    assert 1 <= builds <= 20, builds


def test_feeds_with_the_same_selection_share_one_calendar(stack, clean_database) -> None:
    api = stack.base_url
    _todo(api, title="Shared", deadline_at="2026-12-24T07:00:00")
    feeds = [create_feed(api, window=30000) for _ in range(3)]

    served = [wait_for_feed(feed["feed_url"], containing="Shared") for feed in feeds]

    assert len({feed["feed_url"] for feed in feeds}) == 3
    assert len({_calendar_of(stack.env["DATABASE_URL"], feed["id"]) for feed in feeds}) == 1
    assert len({response.headers["ETag"] for response in served}) == 1


def test_a_revoked_feed_answers_410(stack, clean_database) -> None:
    api = stack.base_url
    feed = create_feed(api)
    wait_for_feed(feed["feed_url"])

    # When it is revoked (twice: the second changes nothing)
    first = requests.delete(f"{api}/api/v1/calendar-feeds/{feed['id']}", timeout=10)
    second = requests.delete(f"{api}/api/v1/calendar-feeds/{feed['id']}", timeout=10)

    # Then its URL is gone for good, and an unknown feed or token is not found
    assert (first.status_code, second.status_code) == (204, 204)
    gone = requests.get(feed["feed_url"], timeout=5)
    assert gone.status_code == 410 and gone.json() == {"error": "This feed was revoked"}
    unknown_token = feed["feed_url"].rsplit("/", 1)[0] + "/" + "A" * 43 + ".ics"
    assert requests.get(unknown_token, timeout=5).status_code == 404
    unknown_id = requests.delete(f"{api}/api/v1/calendar-feeds/00000000-0000-4000-8000-000000000000", timeout=10)
    assert unknown_id.status_code == 404 and unknown_id.json() == {"error": "Feed not found"}


def test_bad_feed_requests_are_refused(stack, clean_database) -> None:
    api = stack.base_url
    for kwargs in ({"json": {"window": -1}}, {"json": {"colour": "red"}}, {"params": {"completed": "maybe"}}):
        response = requests.post(f"{api}/api/v1/calendar-feeds", timeout=10, **kwargs)
        assert response.status_code == 400, kwargs
        assert "error" in response.json()


def test_a_windowed_feed_is_rebuilt_as_time_passes_without_edits(stack, clean_database) -> None:
    # Given a feed with a window, built, and then (as if an hour and more had passed) not rebuilt since
    api = stack.base_url
    database_url = stack.env["DATABASE_URL"]
    _todo(api, title="Soon", deadline_at="2026-01-01T00:00:00")
    feed = create_feed(api, window=7)
    wait_for_feed(feed["feed_url"], containing="Soon")
    calendar_id = _calendar_of(database_url, feed["id"])
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE feed_calendars SET built_at = built_at - interval '2 hours', edited_at = edited_at - interval '2 hours'"
            " WHERE id = %s",
            (calendar_id,),
        )

    # Then the worker's clean-up rebuilds it by itself
    def rebuilt() -> bool:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT built_at > now() - interval '1 hour' FROM feed_calendars WHERE id = %s", (calendar_id,))
            row = cur.fetchone()
        return bool(row and row[0])

    wait_until(rebuilt, timeout=30, what="the windowed feed rebuilt by the clean-up", interval=0.2)
    conn.close()
