"""Messages between services: JSON round trips, one clear error for every malformed body, immutability."""

from __future__ import annotations

import json
import uuid

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskoverflow_shared.messages import (
    BuildFeedCalendar,
    CalendarJobFinished,
    GenerateCalendar,
    MessageDecodeError,
    from_actor_arguments,
    from_dict,
    to_dict,
)

JOB_ID = "0b7e3c5e-8a51-4d6f-9f3a-2f1f3c4d5e6f"


def generate_body(**changes) -> dict:
    return {"type": "generate_calendar", "version": 1, "job_id": JOB_ID, "correlation_id": "req-1", **changes}


def finished_body(**changes) -> dict:
    return {
        "type": "calendar_job_finished",
        "version": 1,
        "job_id": JOB_ID,
        "status": "SUCCESS",
        "event_count": 3,
        "error": None,
        "correlation_id": None,
        **changes,
    }


def without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


def encode(message) -> str:
    """The message as it travels: to_dict, then JSON (Dramatiq's encoder)."""
    return json.dumps(to_dict(message))


def decode(cls, body: str):
    return from_dict(cls, json.loads(body))


def decode_error(cls, body: str) -> MessageDecodeError:
    with pytest.raises(MessageDecodeError) as caught:
        decode(cls, body)
    assert str(caught.value) == caught.value.reason
    return caught.value


# --- Round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        GenerateCalendar(job_id=JOB_ID),
        GenerateCalendar(job_id=JOB_ID, correlation_id="req-7"),
        CalendarJobFinished(job_id=JOB_ID, status="SUCCESS", event_count=0),
        CalendarJobFinished(job_id=JOB_ID, status="FAILURE", error='ValueError: bad, "quoted" 🎉', correlation_id="r"),
        BuildFeedCalendar(job_id=JOB_ID, correlation_id="req-8"),
    ],
    ids=repr,
)
def test_encode_then_decode_gives_the_same_message(message):
    body = encode(message)

    assert decode(type(message), body) == message


def test_the_wire_format_carries_type_and_version():
    assert to_dict(GenerateCalendar(job_id=JOB_ID, correlation_id="req-1")) == generate_body()
    assert to_dict(CalendarJobFinished(job_id=JOB_ID, status="SUCCESS", event_count=3)) == finished_body()


@given(
    job_id=st.uuids().map(str),
    correlation_id=st.none() | st.text(),
    status=st.sampled_from(["SUCCESS", "FAILURE"]),
    event_count=st.none() | st.integers(),
    error=st.none() | st.text(),
)
def test_any_valid_message_survives_a_round_trip(job_id, correlation_id, status, event_count, error):
    generate = GenerateCalendar(job_id=job_id, correlation_id=correlation_id)
    finished = CalendarJobFinished(
        job_id=job_id, status=status, event_count=event_count, error=error, correlation_id=correlation_id
    )

    assert decode(GenerateCalendar, encode(generate)) == generate
    assert decode(CalendarJobFinished, encode(finished)) == finished


# --- Malformed bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "kind"), [("[]", "list"), ("3", "int"), ("null", "NoneType"), ('"x"', "str")])
def test_a_body_that_is_not_an_object_is_refused(body, kind):
    error = decode_error(GenerateCalendar, body)

    assert error.reason == f"generate_calendar: expected a JSON object, got {kind}"
    assert error.job_id is None


# (message type, body, words the reason must contain); the job_id is readable in all of them.
WRONG_WITH_READABLE_JOB_ID = [
    (GenerateCalendar, finished_body(), "expected message type 'generate_calendar', got 'calendar_job_finished'"),
    (CalendarJobFinished, generate_body(), "expected message type 'calendar_job_finished', got 'generate_calendar'"),
    (GenerateCalendar, without(generate_body(), "type"), "got None"),
    (GenerateCalendar, generate_body(version=2), "unsupported version 2"),
    (GenerateCalendar, generate_body(version="1"), "unsupported version '1'"),
    (GenerateCalendar, generate_body(version=True), "unsupported version True"),
    (GenerateCalendar, generate_body(version=1.0), "unsupported version 1.0"),
    (GenerateCalendar, without(generate_body(), "version"), "unsupported version None"),
    (GenerateCalendar, generate_body(extra=1, also=2), "unknown fields ['also', 'extra']"),
    (CalendarJobFinished, finished_body(payload=[1]), "unknown fields ['payload']"),
    (CalendarJobFinished, without(finished_body(), "status"), "missing field 'status'"),
    (GenerateCalendar, generate_body(correlation_id=5), "field 'correlation_id' has a wrong value 5"),
    (CalendarJobFinished, finished_body(event_count=True), "field 'event_count' has a wrong value True"),
    (CalendarJobFinished, finished_body(event_count="3"), "field 'event_count' has a wrong value '3'"),
    (CalendarJobFinished, finished_body(event_count=1.5), "field 'event_count' has a wrong value 1.5"),
    (CalendarJobFinished, finished_body(error=["x"]), "field 'error' has a wrong value ['x']"),
    (CalendarJobFinished, finished_body(status=None), "field 'status' has a wrong value None"),
    (CalendarJobFinished, finished_body(status=1), "field 'status' has a wrong value 1"),
    (CalendarJobFinished, finished_body(status="PENDING"), "must be one of ('SUCCESS', 'FAILURE'), got 'PENDING'"),
    (CalendarJobFinished, finished_body(status="success"), "got 'success'"),
]


@pytest.mark.parametrize(
    ("cls", "body", "words"), WRONG_WITH_READABLE_JOB_ID, ids=[words for *_, words in WRONG_WITH_READABLE_JOB_ID]
)
def test_a_malformed_message_names_the_problem_and_keeps_the_job_id(cls, body, words):
    error = decode_error(cls, json.dumps(body))

    assert words in error.reason
    assert cls.TYPE in error.reason
    assert error.job_id == JOB_ID


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (without(generate_body(), "job_id"), "missing field 'job_id'"),
        (generate_body(job_id=None), "field 'job_id' has a wrong value None"),
        (generate_body(job_id=123), "field 'job_id' has a wrong value 123"),
        (generate_body(job_id="not-a-uuid"), "job_id is not a UUID: 'not-a-uuid'"),
        (generate_body(job_id=JOB_ID.upper()), "job_id is not a UUID"),
        (generate_body(job_id=JOB_ID.replace("-", "")), "job_id is not a UUID"),
        (generate_body(job_id=f"{{{JOB_ID}}}"), "job_id is not a UUID"),
        (generate_body(job_id=""), "job_id is not a UUID: ''"),
    ],
)
def test_a_job_id_that_is_not_a_canonical_uuid_is_refused_and_not_reported(body, words):
    error = decode_error(GenerateCalendar, json.dumps(body))

    assert words in error.reason
    assert error.job_id is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
# Near-valid objects: the right keys, each holding a valid value or any JSON value.
near_messages = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["generate_calendar", "calendar_job_finished"]) | json_values,
        "version": st.just(1) | json_values,
        "job_id": st.uuids().map(str) | json_values,
    },
    optional={
        "status": st.sampled_from(["SUCCESS", "FAILURE", "STARTED"]) | json_values,
        "event_count": st.integers() | json_values,
        "error": json_values,
        "correlation_id": json_values,
        "extra": json_values,
    },
)


@given(value=json_values | near_messages, cls=st.sampled_from([GenerateCalendar, CalendarJobFinished]))
def test_decode_of_any_json_value_gives_a_message_or_message_decode_error(value, cls):
    try:
        message = decode(cls, json.dumps(value))
    except MessageDecodeError as exc:
        assert exc.reason
        assert exc.job_id is None or exc.job_id == value.get("job_id")
    else:
        assert isinstance(message, cls)
        assert decode(cls, encode(message)) == message


# --- Actor arguments ------------------------------------------------------------------------------


def test_actor_arguments_are_one_positional_message_dict():
    assert from_actor_arguments(GenerateCalendar, (generate_body(),), {}) == GenerateCalendar(
        job_id=JOB_ID, correlation_id="req-1"
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "words", "job_id"),
    [
        ((), {}, "expected one positional argument, got 0 and keywords []", None),
        ((generate_body(), generate_body()), {}, "got 2 and keywords []", JOB_ID),
        ((generate_body(),), {"retry": True}, "got 1 and keywords ['retry']", JOB_ID),
        ((), generate_body(), "got 0 and keywords ['correlation_id', 'job_id', 'type', 'version']", JOB_ID),
        (("generate_calendar",), {}, "expected a JSON object, got str", None),
        (([JOB_ID],), {}, "expected a JSON object, got list", None),
        (({"job_id": JOB_ID},), {}, "expected message type 'generate_calendar', got None", JOB_ID),
    ],
)
def test_actor_arguments_of_another_shape_are_refused(args, kwargs, words, job_id):
    with pytest.raises(MessageDecodeError) as caught:
        from_actor_arguments(GenerateCalendar, args, kwargs)

    assert words in caught.value.reason
    assert caught.value.job_id == job_id


# --- Immutability and construction ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "field"),
    [(GenerateCalendar(job_id=JOB_ID), "job_id"), (CalendarJobFinished(job_id=JOB_ID, status="SUCCESS"), "status")],
)
def test_messages_are_frozen(message, field):
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        setattr(message, field, "changed")


def test_a_finished_message_cannot_be_built_with_a_status_that_is_not_final():
    with pytest.raises(pydantic.ValidationError, match="status"):
        CalendarJobFinished(job_id=str(uuid.uuid4()), status="STARTED")
