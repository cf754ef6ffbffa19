"""Feed rebuilds on fakes: the handler builds the calendar of the claimed todos with a content ETag,
skips a calendar nobody subscribes to, and the build_feed_calendar actor consumes a message sent by name."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from dramatiq.brokers.stub import StubBroker
from test_worker_actor import SETTINGS

from taskoverflow_calendar_worker.bootstrap import bootstrap
from taskoverflow_calendar_worker.fakes import FakeJobStore
from taskoverflow_calendar_worker.feed_fakes import FakeFeedCalendarStore
from taskoverflow_calendar_worker.feed_handler import FeedBuildHandler, calendar_etag
from taskoverflow_devstack.stub_worker import consume_until_idle
from taskoverflow_shared.broker import send
from taskoverflow_shared.messages import BuildFeedCalendar
from taskoverflow_shared.routing import ICAL_QUEUE

TODO = {
    "id": 7,
    "title": "Submit report",
    "description": None,
    "completed": False,
    "deadline_at": "2026-12-24T07:00:00",
    "created_at": "2026-11-01T10:00:00",
    "updated_at": "2026-11-02T10:00:00",
}


def _handler(store: FakeFeedCalendarStore) -> FeedBuildHandler:
    return FeedBuildHandler(store, base_url="https://todos.example", refresh=timedelta(minutes=15))


def test_a_rebuild_serves_the_todos_it_read_under_an_etag_of_its_content() -> None:
    store = FakeFeedCalendarStore()
    calendar_id = store.add([TODO])

    _handler(store).handle(BuildFeedCalendar(job_id=calendar_id))

    calendar = store.calendars[calendar_id]
    events = icalendar.Calendar.from_ical(calendar.ics).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Submit report"]
    assert calendar.etag == calendar_etag(calendar.ics)
    assert not calendar.queued


def test_rebuilding_unchanged_todos_keeps_the_etag_so_polls_stay_304() -> None:
    store = FakeFeedCalendarStore()
    calendar_id = store.add([TODO])
    handler = _handler(store)

    handler.handle(BuildFeedCalendar(job_id=calendar_id))
    first = store.calendars[calendar_id].etag
    handler.handle(BuildFeedCalendar(job_id=calendar_id))
    unchanged = store.calendars[calendar_id].etag
    store.calendars[calendar_id].todos = [{**TODO, "title": "Renamed", "updated_at": "2026-11-03T10:00:00"}]
    handler.handle(BuildFeedCalendar(job_id=calendar_id))

    assert store.calendars[calendar_id].builds == 3
    assert unchanged == first != store.calendars[calendar_id].etag


def test_a_calendar_nobody_subscribes_to_is_not_built() -> None:
    store = FakeFeedCalendarStore()
    calendar_id = store.add([TODO], live=False)

    _handler(store).handle(BuildFeedCalendar(job_id=calendar_id))

    assert store.calendars[calendar_id].builds == 0


def test_the_actor_builds_a_feed_calendar_sent_by_name(stub_broker: StubBroker) -> None:
    feeds = FakeFeedCalendarStore()
    bootstrap(SETTINGS, broker=stub_broker, store=FakeJobStore(), feed_store=feeds)
    calendar_id = feeds.add([TODO])

    send(stub_broker, BuildFeedCalendar(job_id=calendar_id, correlation_id="req-1"))
    consume_until_idle(stub_broker, ICAL_QUEUE)

    assert feeds.calendars[calendar_id].builds == 1
