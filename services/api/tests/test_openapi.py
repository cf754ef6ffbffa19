"""The OpenAPI document: valid, served, in step with the validator, and obeyed by the live API (schemathesis)."""

from __future__ import annotations

import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st

from taskoverflow_api.openapi import document
from taskoverflow_api.todos.validation import ValidationError, todo_fields
from taskoverflow_devstack.services import truncate_all

# Bounded so the whole file runs in seconds: 40 generated cases per operation, positive and
# negative, after schemathesis's explicit examples and its deterministic coverage cases.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 40},
        "phases": {"stateful": {"enabled": False}},
        # A request line past gunicorn's limit is refused with 414 (documented): a rejection too.
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTED}},
    }
)
# Loaded from the code, not from the live URL: schemathesis 4.32's `from_fixture` loader
# breaks on pytest 9 (it rewrites `Function._nodeid`, which pytest 9 no longer has).
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)
# The calendar-job and feed endpoints need a broker (the `stack` fixture); the `api` server has none
# and answers them 503 by design, so they are checked end to end, not here.
todo_operations = schema.exclude(path_regex=r"^/api/v1/(todos/ical|calendar-feeds)")


def _input_schema(field: str) -> dict:
    body = document()["paths"]["/api/v1/todos"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return body["properties"][field]


def test_the_document_is_valid_openapi_3_1() -> None:
    schema.validate()
    assert document()["openapi"] == "3.1.0"


@given(title=st.text(max_size=90) | st.sampled_from(["\x1e", "\u3000x", "\ufeff", "a\x00", " \t"]))
def test_the_title_schema_accepts_exactly_what_the_validator_accepts(title: str) -> None:
    try:
        todo_fields({"title": title}, creating=True)
        accepted = True
    except ValidationError:
        accepted = False

    assert jsonschema_rs.is_valid(_input_schema("title"), title) == accepted


@given(description=st.none() | st.text(max_size=130) | st.just("\x00"))
def test_the_description_schema_accepts_exactly_what_the_validator_accepts(description: str | None) -> None:
    try:
        todo_fields({"description": description}, creating=False)
        accepted = True
    except ValidationError:
        accepted = False

    assert jsonschema_rs.is_valid(_input_schema("description"), description) == accepted


@pytest.mark.integration
def test_the_api_serves_the_document(api: str) -> None:
    response = requests.get(f"{api}/api/v1/openapi.json", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == document()


@pytest.fixture(scope="module")
def live_api(api_server: str, database_url: str) -> str:
    # Module-scoped: hypothesis runs many examples per test, and refuses function-scoped fixtures.
    truncate_all(database_url)
    return api_server


@pytest.mark.integration
@todo_operations.parametrize()
@settings(deadline=None)
def test_every_response_conforms_to_the_document(case: schemathesis.Case, live_api: str) -> None:
    # Every default check: no 5xx, documented status codes, content types and headers, response
    # bodies valid against their schemas, schema-valid input accepted and invalid input refused.
    case.call_and_validate(base_url=live_api)
