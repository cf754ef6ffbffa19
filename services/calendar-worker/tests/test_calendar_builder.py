"""The .ics builder: RFC 5545 structure, folding, escaping, stable UIDs, read back by two parsers."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from taskoverflow_calendar_worker.calendar_builder import PRODID, build_calendar, fold, ical_duration, todo_uid

BASE_URL = "https://todos.example"
STAMP = datetime(2024, 5, 1, 12, 30, 15)


def make_todo(todo_id: int, title: str = "Write report", **fields) -> dict:
    return {
        "id": todo_id,
        "title": title,
        "description": None,
        "completed": False,
        "deadline_at": "2024-06-01T09:00:00",
        "created_at": "2024-04-01T08:00:00",
        "updated_at": "2024-04-02T08:00:00",
        **fields,
    }


def build(todos: list[dict], *, base_url: str = BASE_URL, stamp: datetime = STAMP):
    return build_calendar(todos, base_url=base_url, stamp=stamp)


def icalendar_events(ics: str) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    # icalendar is lenient: a value it cannot read becomes an entry in `errors`, not an exception.
    assert [component.errors for component in calendar.walk() if component.errors] == []
    return calendar.walk("VEVENT")


def ical_events(ics: str) -> list:
    return IcsCalendarStream.calendar_from_ics(ics).events


def physical_lines(ics: str) -> list[bytes]:
    assert ics.endswith("\r\n")
    return ics.encode("utf-8")[: -len("\r\n")].split(b"\r\n")


def dangling_backslash(line: str) -> bool:
    """True when the line ends inside an escape pair; a line always starts between pairs."""
    i = 0
    while i < len(line):
        if line[i] == "\\":
            if i + 1 == len(line):
                return True
            i += 2
        else:
            i += 1
    return False


def expected_description(description: str | None, completed: bool) -> str:
    status = "Status: completed" if completed else "Status: not completed"
    return f"{description}\n\n{status}" if description else status


def ics_text(value: str) -> str:
    """What a TEXT value can carry (RFC 5545 §3.3.11): CR is a line break, other controls but HTAB become U+FFFD."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\x00-\x08\x0b-\x1f\x7f]", "\ufffd", value)


# --- The calendar's shape -----------------------------------------------------------------------


def test_calendar_has_version_prodid_calscale_and_name():
    ics = build([make_todo(1)]).ics

    lines = ics.split("\r\n")
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert "PRODID:-//TaskOverflow//Calendar Export 1.0//EN" in lines
    assert "CALSCALE:GREGORIAN" in lines
    assert "X-WR-CALNAME:TaskOverflow" in lines
    assert ics.endswith("END:VCALENDAR\r\n")
    parsed = icalendar.Calendar.from_ical(ics)
    assert (parsed["VERSION"], parsed["PRODID"], parsed["CALSCALE"]) == ("2.0", PRODID, "GREGORIAN")
    assert parsed["X-WR-CALNAME"] == "TaskOverflow"
    strict = IcsCalendarStream.calendar_from_ics(ics)
    assert (strict.version, strict.prodid, strict.calscale) == ("2.0", PRODID, "GREGORIAN")


def test_one_event_per_todo_with_a_deadline_and_the_others_counted():
    todos = [
        make_todo(1, "has a deadline"),
        make_todo(2, "no deadline", deadline_at=None),
        make_todo(3, "also has one", deadline_at="2024-07-01T00:00:00"),
        make_todo(4, "empty deadline", deadline_at=""),
        {"id": 5, "title": "deadline key absent"},
    ]

    built = build(todos)

    assert (built.event_count, built.skipped_without_deadline) == (2, 3)
    assert [str(event["SUMMARY"]) for event in icalendar_events(built.ics)] == ["has a deadline", "also has one"]
    assert [event.summary for event in ical_events(built.ics)] == ["has a deadline", "also has one"]


def test_no_todos_gives_a_valid_empty_calendar():
    built = build([make_todo(1, deadline_at=None)])

    assert (built.event_count, built.skipped_without_deadline) == (0, 1)
    assert icalendar_events(built.ics) == []
    assert ical_events(built.ics) == []


def test_every_event_has_uid_dtstamp_dtstart_summary_description():
    built = build([make_todo(1, "Pay rent", description="Landlord: Bob", deadline_at="2024-06-01T09:00:00")])

    (event,) = icalendar_events(built.ics)
    assert str(event["UID"]) == todo_uid(f"{BASE_URL}/api/v1/todos/1")
    assert event.decoded("DTSTAMP") == datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)
    assert event.decoded("DTSTART") == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Pay rent"
    assert str(event["DESCRIPTION"]) == "Landlord: Bob\n\nStatus: not completed"
    assert str(event["URL"]) == f"{BASE_URL}/api/v1/todos/1"
    assert event.decoded("CREATED") == datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
    assert event.decoded("LAST-MODIFIED") == datetime(2024, 4, 2, 8, 0, tzinfo=UTC)


def test_the_strict_parser_reads_the_same_events():
    todos = [
        make_todo(1, "Pay rent", description="Landlord: Bob"),
        make_todo(2, "Ship it", completed=True, deadline_at="2030-12-31T23:59:59"),
    ]

    built = build(todos)

    events = ical_events(built.ics)
    assert [(e.summary, e.description, e.dtstart, e.uid, e.dtstamp) for e in events] == [
        (
            "Pay rent",
            "Landlord: Bob\n\nStatus: not completed",
            datetime(2024, 6, 1, 9, 0, tzinfo=UTC),
            todo_uid(f"{BASE_URL}/api/v1/todos/1"),
            datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC),
        ),
        (
            "Ship it",
            "Status: completed",
            datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC),
            todo_uid(f"{BASE_URL}/api/v1/todos/2"),
            datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC),
        ),
    ]


# --- UIDs -----------------------------------------------------------------------------------------


def test_the_same_todo_keeps_its_uid_across_exports():
    # Given two exports at different times, the second with the todos reordered and edited
    first = build([make_todo(1), make_todo(2)])
    second = build([make_todo(2, "renamed"), make_todo(1, completed=True)], stamp=STAMP + timedelta(days=3))

    # Then each todo has the UID it had before
    uids_first = {str(e["URL"]): str(e["UID"]) for e in icalendar_events(first.ics)}
    uids_second = {str(e["URL"]): str(e["UID"]) for e in icalendar_events(second.ics)}
    assert uids_first == uids_second


@pytest.mark.parametrize("url", [f"{BASE_URL}/api/v1/todos/1", "https://tâches.example/api/v1/todos/98765"])
def test_a_uid_is_the_uuid5_of_the_todos_url_as_in_every_earlier_release(url):
    # Calendar apps match events by UID: were it computed differently after an upgrade, every
    # subscriber would see each todo twice.
    assert todo_uid(url) == f"{uuid.uuid5(uuid.NAMESPACE_URL, url)}@taskoverflow"


def test_different_todos_and_different_deployments_get_different_uids():
    uids = [str(e["UID"]) for e in icalendar_events(build([make_todo(i) for i in range(1, 51)]).ics)]
    other_deployment = str(icalendar_events(build([make_todo(1)], base_url="https://other.example").ics)[0]["UID"])

    assert len(set(uids)) == 50
    assert other_deployment not in uids
    uuid5_at_taskoverflow = r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}@taskoverflow"
    assert all(re.fullmatch(uuid5_at_taskoverflow, uid) for uid in uids)


# --- Dates ----------------------------------------------------------------------------------------


def test_dtstart_and_dtstamp_are_utc():
    # A deadline with an offset is converted; one without is the API's UTC already.
    todos = [make_todo(1, deadline_at="2024-03-10T23:30:00+02:00"), make_todo(2, deadline_at="2024-03-10T23:30:00")]
    stamp = datetime(2024, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=-5)))

    ics = build(todos, stamp=stamp).ics

    assert re.findall(r"^DTSTART:(.*)$", ics, re.MULTILINE) == ["20240310T213000Z\r", "20240310T233000Z\r"]
    assert re.findall(r"^DTSTAMP:(.*)$", ics, re.MULTILINE) == ["20240301T060000Z\r"] * 2


def test_a_year_before_1000_keeps_four_digits():
    # The API accepts any ISO year; glibc's strftime("%Y") would write "33" and break DTSTART.
    ics = build([make_todo(1, deadline_at="0033-04-03T15:00:00")], stamp=datetime(999, 1, 1)).ics

    assert "DTSTART:00330403T150000Z\r\n" in ics
    assert "DTSTAMP:09990101T000000Z\r\n" in ics
    assert ical_events(ics)[0].dtstart == datetime(33, 4, 3, 15, 0, tzinfo=UTC)


def test_a_deadline_that_is_not_a_date_fails_the_build():
    # The handler turns this into RETRY/FAILURE; an event with a made-up date would be worse.
    with pytest.raises(ValueError, match="not a date"):
        build([make_todo(1, deadline_at="not a date")])


# --- Completion -----------------------------------------------------------------------------------


def test_completion_is_shown():
    ics = build([make_todo(1, "open", description="d"), make_todo(2, "done", completed=True)]).ics

    open_event, done_event = icalendar_events(ics)
    assert str(open_event["DESCRIPTION"]).endswith("\n\nStatus: not completed")
    assert str(done_event["DESCRIPTION"]) == "Status: completed"
    assert open_event["TRANSP"] == "OPAQUE" and done_event["TRANSP"] == "TRANSPARENT"
    assert "CATEGORIES:TaskOverflow,Open\r\n" in ics
    assert "CATEGORIES:TaskOverflow,Completed\r\n" in ics
    strict_open, strict_done = ical_events(ics)
    assert (strict_open.categories, strict_done.categories) == (["TaskOverflow", "Open"], ["TaskOverflow", "Completed"])


# --- Lines, folding, escaping ---------------------------------------------------------------------


LONG_UNICODE = "Ünïcödé 🎉 中文字符 עברית مرحبا, with; commas\\ and\nnewlines " * 4


def test_every_line_ends_in_crlf_and_has_no_bare_lf_or_cr():
    ics = build([make_todo(1, LONG_UNICODE, description=LONG_UNICODE), make_todo(2)]).ics

    assert ics.endswith("\r\n")
    assert re.search(r"(?<!\r)\n", ics) is None
    assert re.search(r"\r(?!\n)", ics) is None


def test_lines_are_folded_at_75_octets_between_utf8_characters():
    ics = build([make_todo(1, LONG_UNICODE, description=LONG_UNICODE * 3)]).ics

    lines = physical_lines(ics)
    assert max(len(line) for line in lines) <= 75
    assert sum(line.startswith(b" ") for line in lines) > 5  # the long values were folded
    for line in lines:
        line.decode("utf-8")  # raises if a fold split a multi-byte character


def test_text_is_escaped():
    ics = build([make_todo(1, "a,b;c\\d\ne", description="x\\,y")]).ics

    assert "SUMMARY:a\\,b\\;c\\\\d\\ne\r\n" in ics
    assert "DESCRIPTION:x\\\\\\,y\\n\\nStatus: not completed\r\n" in ics


def test_unicode_is_intact_in_both_parsers():
    title = "家族 👨‍👩‍👧 שלום עולם مرحبا e\u0301 \u202eRTL override\u202c 𝄞"

    ics = build([make_todo(1, title, description=title)]).ics

    assert str(icalendar_events(ics)[0]["SUMMARY"]) == title
    assert ical_events(ics)[0].summary == title
    assert ical_events(ics)[0].description == f"{title}\n\nStatus: not completed"


def test_a_literal_backslash_n_stays_a_backslash_n():
    # Regression: icalendar's vText rewrote "\N" as a line break before escaping.
    title = "C:\\Notes\\New folder \\n \\N"

    ics = build([make_todo(1, title)]).ics

    assert str(icalendar_events(ics)[0]["SUMMARY"]) == title
    assert ical_events(ics)[0].summary == title


def test_control_characters_keep_the_file_valid():
    # RFC 5545 TEXT has no escape for controls other than newline (HTAB is allowed as is);
    # one raw control character made the strict parser reject the whole calendar.
    title = "a\x01b\x0bc\x1fd\x7fe\tf\r\ng\rh"

    ics = build([make_todo(1, title)]).ics

    expected = "a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng\nh"
    assert ical_events(ics)[0].summary == expected
    assert str(icalendar_events(ics)[0]["SUMMARY"]) == expected


def test_a_fold_never_splits_an_escape_pair():
    # Regression: a continuation line made only of backslashes ended with half a pair.
    ics = build([make_todo(1, "\\" * 80, description=",;" * 60)]).ics

    lines = [line.decode("utf-8") for line in physical_lines(ics)]
    assert [line for line in lines if dangling_backslash(line.removeprefix(" "))] == []
    assert str(icalendar_events(ics)[0]["SUMMARY"]) == "\\" * 80


def test_fold_leaves_short_lines_alone_and_folds_long_ones():
    assert fold("SUMMARY:" + "x" * 67) == "SUMMARY:" + "x" * 67
    folded = fold("SUMMARY:" + "x" * 68)
    assert folded == "SUMMARY:" + "x" * 67 + "\r\n x"


def test_building_twice_gives_identical_bytes():
    todos = [
        make_todo(i, f"todo {i} {LONG_UNICODE}", description=LONG_UNICODE, completed=i % 2 == 0) for i in range(20)
    ]

    assert build(todos).ics.encode() == build(todos).ics.encode()


def test_ten_thousand_todos_give_ten_thousand_events():
    todos = [make_todo(i, f"Todo number {i}, with a comma", description="x" * 100) for i in range(10_000)]

    built = build(todos)

    assert built.event_count == 10_000
    assert built.ics.count("\r\nBEGIN:VEVENT\r\n") == 10_000
    assert len(set(re.findall(r"^UID:(.*)\r$", built.ics, re.MULTILINE))) == 10_000


# --- Properties -----------------------------------------------------------------------------------

# Pieces that break naive escaping or folding, mixed into arbitrary text.
_TEXT_PIECES = [
    ",",
    ";",
    "\\",
    "\n",
    "\t",
    "\\N",
    "\\n",
    "\\,",
    "\\" * 40,
    "🎉",
    "👩\u200d💻",
    "中文字",
    "עברית",
    "مرحبا",
    "\u202e",
    "e\u0301",
]
_CONTROL_PIECES = ["\r", "\r\n", "\x01", "\x0b", "\x1f", "\x7f"]


def texts(chars: st.SearchStrategy[str], pieces: list[str], *, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    chunk = st.one_of(st.text(chars, max_size=8), st.sampled_from(pieces))
    return (
        st.lists(chunk, max_size=max_size)
        .map(lambda chunks: "".join(chunks)[:max_size])
        .filter(lambda text: len(text) >= min_size)
    )


# Every character a TEXT value can carry: no surrogates, no controls but newline and tab.
_TEXT_CHARS = st.characters(exclude_categories=("Cs", "Cc"))
# Anything the API accepts: every character but surrogates and NUL.
_ANY_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


@given(
    title=texts(_TEXT_CHARS, _TEXT_PIECES, min_size=1, max_size=80),
    description=texts(_TEXT_CHARS, _TEXT_PIECES, min_size=0, max_size=120),
    completed=st.booleans(),
)
def test_text_reads_back_exactly(title, description, completed):
    ics = build([make_todo(7, title, description=description, completed=completed)]).ics

    (event,) = icalendar_events(ics)
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == expected_description(description, completed)
    (strict,) = ical_events(ics)
    assert (strict.summary, strict.description) == (title, expected_description(description, completed))
    assert max(len(line) for line in physical_lines(ics)) <= 75


@given(
    title=texts(_ANY_CHARS, _TEXT_PIECES + _CONTROL_PIECES, min_size=1, max_size=80),
    description=texts(_ANY_CHARS, _TEXT_PIECES + _CONTROL_PIECES, min_size=0, max_size=120),
)
def test_any_text_gives_a_valid_calendar(title, description):
    ics = build([make_todo(7, title, description=description)]).ics

    lines = [line.decode("utf-8") for line in physical_lines(ics)]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert [line for line in lines if dangling_backslash(line.removeprefix(" "))] == []
    assert re.search(r"(?<!\r)\n|\r(?!\n)", ics) is None
    # The description is joined to its status line before CRs become line breaks: a trailing
    # CR and the separator's LF are one CRLF.
    expected = (ics_text(title), ics_text(expected_description(description, False)))
    (event,) = icalendar_events(ics)
    assert (str(event["SUMMARY"]), str(event["DESCRIPTION"])) == expected
    (strict,) = ical_events(ics)
    assert (strict.summary, strict.description) == expected


@given(
    deadline=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    stamp=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
)
def test_dates_read_back_in_utc(deadline, stamp):
    deadline = deadline.replace(microsecond=0)
    ics = build([make_todo(1, deadline_at=deadline.isoformat())], stamp=stamp).ics

    (event,) = icalendar_events(ics)
    assert event.decoded("DTSTART") == deadline.replace(tzinfo=UTC)
    (strict,) = ical_events(ics)
    assert (strict.dtstart, strict.dtstamp) == (deadline.replace(tzinfo=UTC), stamp.replace(microsecond=0, tzinfo=UTC))


# A content line as the builder hands it to fold(): no CR or LF (newlines are escaped by then).
_LINE_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n")
# Escaped TEXT: plain characters and whole escape pairs.
_ESCAPED_TOKEN = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\\,;"),
    st.sampled_from(["\\\\", "\\,", "\\;", "\\n"]),
    st.integers(1, 80).map(lambda pairs: "\\\\" * pairs),
)


@given(
    prefix=st.sampled_from(["SUMMARY:", "DESCRIPTION:", "X:"]),
    body=texts(_LINE_CHARS, [",", ";", "\\", "\\" * 40, "🎉", "中文字"], min_size=0, max_size=400),
)
def test_fold_unfolds_to_the_input_in_short_lines(prefix, body):
    line = prefix + body

    folded = fold(line)

    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert all(part.startswith(" ") for part in folded.split("\r\n")[1:])


@given(prefix=st.sampled_from(["SUMMARY:", "DESCRIPTION:", "X:"]), tokens=st.lists(_ESCAPED_TOKEN, max_size=300))
def test_fold_never_leaves_half_an_escape_pair_at_a_line_end(prefix, tokens):
    line = prefix + "".join(tokens)

    parts = fold(line).split("\r\n")

    assert "".join(part.removeprefix(" ") if i else part for i, part in enumerate(parts)) == line
    assert [part for part in parts if dangling_backslash(part.removeprefix(" "))] == []


def test_a_feed_tells_calendar_apps_how_often_to_poll_and_both_parsers_read_it():
    ics = build_calendar([make_todo(1)], base_url=BASE_URL, stamp=STAMP, refresh=timedelta(minutes=15)).ics

    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT15M"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT15M"
    assert len(IcsCalendarStream.calendar_from_ics(ics).events) == 1
    assert "REFRESH-INTERVAL" not in build([make_todo(1)]).ics


@pytest.mark.parametrize(
    ("period", "text"),
    [(timedelta(hours=2), "PT2H"), (timedelta(minutes=90), "PT90M"), (timedelta(seconds=61), "PT61S")],
)
def test_a_refresh_period_is_written_in_its_largest_whole_unit(period, text):
    assert ical_duration(period) == text
