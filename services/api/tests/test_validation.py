"""The todo validator and the timestamp format, without HTTP or a database: examples and properties."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskoverflow_api.timestamps import parse_timestamp, utc_now
from taskoverflow_api.todos.validation import (
    DESCRIPTION_MAX,
    MAX_WINDOW_DAYS,
    TITLE_MAX,
    WRITABLE_FIELDS,
    ValidationError,
    completed_filter,
    todo_fields,
    todo_id,
    window_filter,
)

# Text as a JSON decoder can hand it over: any code point, lone surrogates and NUL included.
any_text = st.text(st.characters(exclude_categories=()) | st.sampled_from(["\x00", "\ud800", "\udfff", " "]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=8,
)
# What a user can type: no NUL, no lone surrogates, not only whitespace.
typeable = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
valid_title = st.text(typeable, min_size=1, max_size=TITLE_MAX).filter(str.strip)
fixed_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


# --- todo_fields: examples ------------------------------------------------------------------


def test_a_title_alone_is_a_valid_new_todo() -> None:
    assert todo_fields({"title": "Write tests"}, creating=True) == {"title": "Write tests"}


def test_every_writable_field_is_checked_and_converted() -> None:
    fields = todo_fields(
        {"title": "Ship", "description": None, "completed": True, "deadline_at": "2023-02-27T10:00:00+02:00"},
        creating=True,
    )

    assert fields == {"title": "Ship", "description": None, "completed": True, "deadline_at": datetime(2023, 2, 27, 8)}


def test_an_update_may_leave_everything_out() -> None:
    assert todo_fields({}, creating=False) == {}


def test_a_new_todo_needs_a_title() -> None:
    with pytest.raises(ValidationError, match="'title' is required"):
        todo_fields({"description": "no title"}, creating=True)


@pytest.mark.parametrize("body", [None, [], ["title"], "title", 3, True])
def test_the_body_must_be_an_object(body: object) -> None:
    with pytest.raises(ValidationError, match="JSON object"):
        todo_fields(body, creating=True)


@pytest.mark.parametrize("field", ["id", "created_at", "updated_at", "owner", "Title"])
@pytest.mark.parametrize("creating", [True, False])
def test_read_only_and_unknown_fields_are_named_and_rejected(field: str, creating: bool) -> None:
    with pytest.raises(ValidationError, match=field):
        todo_fields({"title": "x", field: 1}, creating=creating)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", None, "'title' must be a string"),
        ("title", 7, "'title' must be a string"),
        ("title", "", "'title' must not be empty"),
        ("title", " \t\n\u3000", "'title' must not be empty"),
        ("title", "x" * (TITLE_MAX + 1), "'title' must be at most 80 characters, got 81"),
        ("title", "a\x00b", "'title' must not contain NUL"),
        ("title", "half \ud800", "'title' must be valid Unicode"),
        ("description", 7, "'description' must be a string or null"),
        ("description", "x" * (DESCRIPTION_MAX + 1), "'description' must be at most 120 characters, got 121"),
        ("description", "\x00", "'description' must not contain NUL"),
        ("description", "\udfff", "'description' must be valid Unicode"),
        ("completed", None, "'completed' must be true or false"),
        ("completed", 0, "'completed' must be true or false"),
        ("completed", "false", "'completed' must be true or false"),
        ("deadline_at", 1677456000, "'deadline_at' must be an ISO 8601 date-time string or null"),
        ("deadline_at", "next tuesday", "'deadline_at' is not a valid date-time"),
        ("deadline_at", "2023-02-29T00:00:00", "'deadline_at' is not a valid date-time"),
        ("deadline_at", "0001-01-01T00:00:00+01:00", "'deadline_at' is not a valid date-time: date is out of range"),
    ],
)
def test_a_bad_value_is_rejected_naming_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        todo_fields({"title": "x", field: value}, creating=True)

    assert str(raised.value).startswith(message)


def test_the_length_limits_are_inclusive() -> None:
    fields = todo_fields({"title": "t" * TITLE_MAX, "description": "d" * DESCRIPTION_MAX}, creating=True)

    assert (len(fields["title"]), len(fields["description"])) == (TITLE_MAX, DESCRIPTION_MAX)


def test_a_null_description_and_deadline_clear_them() -> None:
    cleared = {"description": None, "deadline_at": None}

    assert todo_fields(cleared, creating=False) == cleared


# --- todo_fields: properties ----------------------------------------------------------------


@given(
    known=st.dictionaries(st.sampled_from(WRITABLE_FIELDS), json_values),
    unknown=st.dictionaries(any_text.filter(lambda key: key not in WRITABLE_FIELDS), json_values, min_size=1),
    creating=st.booleans(),
)
def test_any_object_with_an_unknown_key_is_rejected(known: dict, unknown: dict, creating: bool) -> None:
    with pytest.raises(ValidationError, match="unknown or read-only fields"):
        todo_fields({**known, **unknown}, creating=creating)


@given(title=valid_title)
def test_any_title_up_to_the_limit_is_accepted_unchanged(title: str) -> None:
    assert todo_fields({"title": title}, creating=True) == {"title": title}


@given(title=st.text(min_size=TITLE_MAX + 1, max_size=3 * TITLE_MAX))
def test_any_title_over_the_limit_is_rejected(title: str) -> None:
    with pytest.raises(ValidationError, match="'title' must be at most 80 characters"):
        todo_fields({"title": title}, creating=False)


@given(field=st.sampled_from(WRITABLE_FIELDS), value=json_values, creating=st.booleans())
def test_any_json_value_in_any_field_is_accepted_or_a_validation_error(
    field: str, value: object, creating: bool
) -> None:
    body = {"title": "x", field: value} if creating else {field: value}
    try:
        fields = todo_fields(body, creating=creating)
    except ValidationError as exc:
        assert field in str(exc)
    else:
        assert set(fields) == set(body)


# --- query parameters and ids ---------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("true", True), ("false", False)])
def test_completed_filter_reads_true_and_false(raw: str | None, expected: bool | None) -> None:
    assert completed_filter(raw) is expected


@pytest.mark.parametrize("raw", ["", "yes", "1", "0", "null", "true ", "\x00"])
def test_completed_filter_rejects_anything_else(raw: str) -> None:
    with pytest.raises(ValidationError, match="'completed'"):
        completed_filter(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("0", 0),
        ("7", 7),
        ("007", 7),
        (str(MAX_WINDOW_DAYS), MAX_WINDOW_DAYS),
        ("99999999999", MAX_WINDOW_DAYS),
        ("9" * 18, MAX_WINDOW_DAYS),
    ],
)
def test_window_filter_reads_whole_days_capped(raw: str | None, expected: int | None) -> None:
    assert window_filter(raw) == expected


@pytest.mark.parametrize("raw", ["9" * 19, "9" * 400, "0" * 400 + "3", "9" * 5000])
def test_window_filter_refuses_more_than_18_digits(raw: str) -> None:
    with pytest.raises(ValidationError, match="at most 18 digits"):
        window_filter(raw)


@pytest.mark.parametrize("raw", ["", "-1", "+1", "1.5", "1e3", " 1", "abc", "٣", "１", "\x00", "2.0", "-0.0", "1e308"])
def test_window_filter_rejects_anything_but_ascii_digits(raw: str) -> None:
    with pytest.raises(ValidationError, match="'window'"):
        window_filter(raw)


@given(raw=st.text())
def test_window_filter_raises_nothing_but_validation_errors(raw: str) -> None:
    try:
        days = window_filter(raw)
    except ValidationError:
        return
    assert 0 <= days <= MAX_WINDOW_DAYS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, None), (1, 1), (2_147_483_647, 2_147_483_647), (2_147_483_648, None), (99999999999, None)],
)
def test_todo_id_is_what_an_integer_column_can_hold(raw: int, expected: int | None) -> None:
    assert todo_id(raw) == expected


# --- timestamps -----------------------------------------------------------------------------


def test_utc_now_is_naive_utc_in_whole_seconds() -> None:
    now = utc_now()

    assert now.tzinfo is None and now.microsecond == 0
    assert abs(now.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=1)


def rendered(value: datetime | None) -> str | None:
    """A timestamp as the API writes it: stored at whole seconds, rendered by its JSON renderer."""
    return orjson.loads(orjson.dumps(None if value is None else value.replace(microsecond=0)))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        (datetime(2023, 2, 27), "2023-02-27T00:00:00"),
        (datetime(2023, 2, 27, 8, 9, 10, 999_999), "2023-02-27T08:09:10"),
        (datetime(33, 4, 3, 15), "0033-04-03T15:00:00"),
        (datetime(9999, 12, 31, 23, 59, 59), "9999-12-31T23:59:59"),
    ],
)
def test_timestamps_are_written_as_iso_8601_seconds_without_an_offset(value: datetime | None, text: str | None) -> None:
    assert rendered(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2023-02-27T00:00:00", datetime(2023, 2, 27)),
        ("2023-02-27", datetime(2023, 2, 27)),
        ("2023-02-27T10:00:00+02:00", datetime(2023, 2, 27, 8)),
        ("2023-02-27T23:30:00-05:00", datetime(2023, 2, 28, 4, 30)),
        ("2023-02-27T10:00:00Z", datetime(2023, 2, 27, 10)),
        ("2023-02-27T10:00:00.999999", datetime(2023, 2, 27, 10)),
    ],
)
def test_parse_timestamp_reads_iso_8601_into_naive_utc_seconds(text: str, value: datetime) -> None:
    assert parse_timestamp(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2023",
        "20230227",
        "2023-W09-1",
        "27/02/2023",
        "2023-02-30",
        "2023-02-27T25:00:00",
        "2023-02-27T10:00:00+25:00",
        "0001-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-00:01",
        "2023-02-27\x00",
    ],
)
def test_parse_timestamp_rejects_what_is_not_an_iso_date_in_range(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


@given(moment=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=fixed_offsets))
def test_parse_timestamp_of_an_aware_datetime_is_its_utc_time(moment: datetime) -> None:
    expected = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    assert parse_timestamp(moment.isoformat()) == expected


@given(moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_format_then_parse_round_trips(moment: datetime) -> None:
    whole_seconds = moment.replace(microsecond=0)

    assert parse_timestamp(rendered(moment)) == whole_seconds
    assert rendered(parse_timestamp(rendered(moment))) == rendered(moment)


@given(text=any_text | st.from_regex(r"\A\d{4}-\d\d-\d\d[T ]?.{0,20}\Z"))
def test_parse_timestamp_raises_nothing_but_value_errors(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_timestamp(text)
