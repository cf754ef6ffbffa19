"""The calendar-job and calendar-feed endpoints obey the OpenAPI document (schemathesis), against the
running stack: they need a broker and a worker, which the API-only server of services/api/tests does not have."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import settings

from taskoverflow_api.openapi import document

pytestmark = pytest.mark.integration

REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 25},
        "phases": {"stateful": {"enabled": False}},
        # A request line past gunicorn's limit is refused with 414 (documented): a rejection too.
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTED}},
    }
)
calendar_job_operations = schemathesis.openapi.from_dict(document(), config=CONFIG).include(
    path_regex=r"^/api/v1/(todos/ical|calendar-feeds)"
)


@pytest.fixture(scope="module")
def stack_url(stack) -> str:
    # Module-scoped: hypothesis runs many examples per test, and refuses function-scoped fixtures.
    return stack.base_url


@calendar_job_operations.parametrize()
@settings(deadline=None)
def test_every_calendar_job_response_conforms_to_the_document(case: schemathesis.Case, stack_url: str) -> None:
    # JSON Schema cannot tell 2.0 from 2 (both are "integer"), so schemathesis sends 4691828.0 as a
    # valid window; the API refuses a window written as a float (the list endpoint's rule, tested in
    # services/api/tests/test_calendar_job_start.py). Here such a window goes as the integer it equals.
    if isinstance(case.body, dict) and isinstance(case.body.get("window"), float) and case.body["window"].is_integer():
        case.body["window"] = int(case.body["window"])
    # No 5xx, documented status codes and content types, bodies valid against their schemas.
    case.call_and_validate(base_url=stack_url)
