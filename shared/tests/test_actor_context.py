"""decoded(): an actor's message decoded with its job bound into every log line, or dead-lettered."""

from __future__ import annotations

import uuid

import pytest
import structlog

from taskoverflow_shared.actor_context import decoded
from taskoverflow_shared.messages import GenerateCalendar, MessageDecodeError, to_dict

JOB_ID = str(uuid.uuid4())


def test_the_message_is_decoded_and_its_ids_bound_for_the_block_only() -> None:
    message = GenerateCalendar(job_id=JOB_ID, correlation_id="req-1")

    with decoded(GenerateCalendar, (to_dict(message),), {}) as got:
        bound = structlog.contextvars.get_contextvars()

    assert got == message
    assert bound == {"job_id": JOB_ID, "correlation_id": "req-1"}
    assert structlog.contextvars.get_contextvars() == {}


def test_an_undecodable_message_is_handed_over_and_re_raised() -> None:
    seen: list[MessageDecodeError] = []
    body = {"type": "generate_calendar", "version": 99, "job_id": JOB_ID}

    with pytest.raises(MessageDecodeError), decoded(GenerateCalendar, (body,), {}, on_undecodable=seen.append):
        pytest.fail("the block must not run for a message that does not decode")

    assert [exc.job_id for exc in seen] == [JOB_ID]
    assert structlog.contextvars.get_contextvars() == {}
