"""Queue and actor names: the contract between a sender and an actor it does not import."""

from __future__ import annotations

from .messages import BuildFeedCalendar, CalendarJobFinished, GenerateCalendar, Message

ICAL_QUEUE = "ical"
NOTIFICATIONS_QUEUE = "notifications"

GENERATE_CALENDAR_ACTOR = "generate_calendar"
NOTIFY_JOB_FINISHED_ACTOR = "notify_calendar_job_finished"
BUILD_FEED_CALENDAR_ACTOR = "build_feed_calendar"

# Message type -> (queue, actor) that consumes it. A new message gets its line here.
ROUTES: dict[type[Message], tuple[str, str]] = {
    GenerateCalendar: (ICAL_QUEUE, GENERATE_CALENDAR_ACTOR),
    CalendarJobFinished: (NOTIFICATIONS_QUEUE, NOTIFY_JOB_FINISHED_ACTOR),
    # Feed rebuilds go through the same calendar-worker, on the same queue, as one-off exports.
    BuildFeedCalendar: (ICAL_QUEUE, BUILD_FEED_CALENDAR_ACTOR),
}

ALL_QUEUES = (ICAL_QUEUE, NOTIFICATIONS_QUEUE)


def route_of(message_type: type[Message]) -> tuple[str, str]:
    """(queue, actor) of a message type; KeyError for a type no actor consumes."""
    return ROUTES[message_type]
