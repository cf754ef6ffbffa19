"""Todos -> an RFC 5545 calendar; pure (no broker, no database).

icalendar encodes every TEXT value (escaping commas, semicolons, backslashes, newlines);
the content lines are assembled and folded here, because icalendar's generic serializer
(a parameter object per line, folding one character at a time) takes ~150 µs an event:
over a second for 10,000 todos. The tests parse the output back with icalendar and with
a second, independent parser.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from icalendar import vText

PRODID = "-//Taskoverflow Calendar//mxm.dk//"
CALENDAR_NAME = "TaskOverflow"
CRLF = "\r\n"
_FOLD_OCTETS = 75


@dataclasses.dataclass(frozen=True)
class BuiltCalendar:
    ics: str
    event_count: int
    skipped_without_deadline: int


def todo_uid(todo_url: str) -> str:
    """The same todo gets the same UID in every export, so calendar apps update instead of duplicating."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, todo_url)}@taskoverflow"


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= _FOLD_OCTETS:
        return line
    parts, start, limit = [], 0, _FOLD_OCTETS
    while len(encoded) - start > limit:
        end = start + limit
        while encoded[end] & 0xC0 == 0x80:  # a continuation byte: step back to the character's start
            end -= 1
        # Keep a backslash escape ("\,", "\n") on one line: some readers mis-join a split one.
        backslashes = 0
        while encoded[end - 1 - backslashes] == 0x5C and end - 1 - backslashes > start:
            backslashes += 1
        if backslashes % 2 == 1:
            end -= 1
        parts.append(encoded[start:end])
        start = end
        limit = _FOLD_OCTETS - 1  # continuation lines begin with one space
    parts.append(encoded[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def _text(value: str) -> str:
    return vText(value).to_ical().decode("utf-8")


def _ical_utc(moment: datetime) -> str:
    """A UTC DATE-TIME; a naive datetime is taken as UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _utc_timestamp(text: str) -> str:
    # Snapshot timestamps are the API's format: "2023-02-27T00:00:00", UTC without an offset.
    return _ical_utc(datetime.fromisoformat(text))


def _event_lines(todo: Mapping[str, Any], todo_url: str, dtstamp: str) -> list[str]:
    completed = bool(todo.get("completed"))
    description = todo.get("description") or ""
    status_line = "Status: completed" if completed else "Status: not completed"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{todo_uid(todo_url)}",
        f"DTSTAMP:{dtstamp}",
        f"DTSTART:{_utc_timestamp(todo['deadline_at'])}",
        fold(f"SUMMARY:{_text(todo['title'])}"),
        fold(f"DESCRIPTION:{_text(f'{description}{chr(10) * 2}{status_line}' if description else status_line)}"),
        f"CATEGORIES:TaskOverflow,{'Completed' if completed else 'Open'}",
        # A done todo no longer blocks time in the calendar.
        f"TRANSP:{'TRANSPARENT' if completed else 'OPAQUE'}",
        fold(f"URL:{todo_url}"),
    ]
    if todo.get("created_at"):
        lines.append(f"CREATED:{_utc_timestamp(todo['created_at'])}")
    if todo.get("updated_at"):
        lines.append(f"LAST-MODIFIED:{_utc_timestamp(todo['updated_at'])}")
    lines.append("END:VEVENT")
    return lines


def build_calendar(todos: Iterable[Mapping[str, Any]], *, base_url: str, stamp: datetime) -> BuiltCalendar:
    """One VEVENT per todo with a deadline; todos without one are counted, not placed.

    `stamp` becomes every event's DTSTAMP: the moment the todos were snapshotted, so
    building the same job twice gives the same bytes.
    """
    dtstamp = _ical_utc(stamp)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{CALENDAR_NAME}",
    ]
    placed = skipped = 0
    for todo in todos:
        if not todo.get("deadline_at"):
            skipped += 1
            continue
        lines.extend(_event_lines(todo, f"{base_url}/api/v1/todos/{todo['id']}", dtstamp))
        placed += 1
    lines.append("END:VCALENDAR")
    return BuiltCalendar(CRLF.join(lines) + CRLF, placed, skipped)
