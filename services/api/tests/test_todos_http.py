"""The todo contract over real HTTP: gunicorn serving the API on a real PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
import requests

pytestmark = pytest.mark.integration

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
TODO_FIELDS = {"id", "title", "description", "completed", "deadline_at", "created_at", "updated_at"}
ONE_MIB = 1024 * 1024


def todos_url(api: str, todo_id: int | str | None = None) -> str:
    return f"{api}/api/v1/todos" if todo_id is None else f"{api}/api/v1/todos/{todo_id}"


def create(api: str, **fields: object) -> dict:
    response = requests.post(todos_url(api), json=fields, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def list_ids(api: str, **params: str) -> list[int]:
    response = requests.get(todos_url(api), params=params, timeout=10)
    assert response.status_code == 200, response.text
    return [todo["id"] for todo in response.json()]


def assert_json_error(response: requests.Response, status: int, *, mentioning: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    if mentioning is not None:
        assert mentioning in body["error"]


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


def backdate(database_url: str, todo_id: int, to: str = "2020-01-01T00:00:00") -> None:
    """Move a todo's timestamps into the past, so an update's new updated_at is visibly later."""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE todos SET created_at = %s, updated_at = %s WHERE id = %s", (to, to, todo_id))
    conn.close()


# --- health ---------------------------------------------------------------------------------


def test_health_answers_ok(api: str) -> None:
    response = requests.get(f"{api}/api/v1/health", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


# --- create ---------------------------------------------------------------------------------


def test_create_with_only_a_title_fills_in_the_defaults(api: str) -> None:
    # When a todo is created with a title alone
    response = requests.post(todos_url(api), json={"title": "Write tests"}, timeout=10)

    # Then it comes back whole, with the contract's defaults and UTC second-precision timestamps
    assert response.status_code == 201
    todo = response.json()
    assert set(todo) == TODO_FIELDS
    assert isinstance(todo["id"], int)
    assert todo["title"] == "Write tests"
    assert (todo["description"], todo["completed"], todo["deadline_at"]) == (None, False, None)
    assert TIMESTAMP.match(todo["created_at"]) and todo["updated_at"] == todo["created_at"]
    created = datetime.fromisoformat(todo["created_at"]).replace(tzinfo=UTC)
    assert abs(created - datetime.now(UTC)) < timedelta(hours=1), "created_at is not UTC"
    # And it is stored
    assert requests.get(todos_url(api, todo["id"]), timeout=10).json() == todo


def test_create_with_every_writable_field(api: str) -> None:
    todo = create(api, title="Ship", description="v1.0", completed=True, deadline_at="2023-02-27T00:00:00")

    assert {k: todo[k] for k in ("title", "description", "completed", "deadline_at")} == {
        "title": "Ship",
        "description": "v1.0",
        "completed": True,
        "deadline_at": "2023-02-27T00:00:00",
    }


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2023-02-27T10:00:00+02:00", "2023-02-27T08:00:00"),
        ("2023-02-27T23:30:00-05:00", "2023-02-28T04:30:00"),
        ("2023-02-27T10:00:00Z", "2023-02-27T10:00:00"),
        ("2023-02-27T10:00:00.987654", "2023-02-27T10:00:00"),
        ("2023-02-27", "2023-02-27T00:00:00"),
        ("0033-04-03T15:00:00", "0033-04-03T15:00:00"),
    ],
)
def test_deadline_is_stored_in_utc_at_second_precision(api: str, sent: str, stored: str) -> None:
    todo = create(api, title="Due", deadline_at=sent)

    assert todo["deadline_at"] == stored
    assert requests.get(todos_url(api, todo["id"]), timeout=10).json()["deadline_at"] == stored


@pytest.mark.parametrize("field", ["id", "created_at", "updated_at", "owner"])
def test_create_rejects_read_only_and_unknown_fields(api: str, field: str) -> None:
    response = requests.post(todos_url(api), json={"title": "Sneaky", field: 7}, timeout=10)

    assert_json_error(response, 400, mentioning=field)
    assert list_ids(api) == []


def test_create_requires_a_title(api: str) -> None:
    response = requests.post(todos_url(api), json={"description": "no title"}, timeout=10)

    assert_json_error(response, 400, mentioning="title")
    assert list_ids(api) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 81),
        ("title", ""),
        ("title", "   "),
        ("title", None),
        ("title", 42),
        ("title", "nul\x00byte"),
        ("description", "y" * 121),
        ("description", ["a list"]),
        ("description", "nul\x00byte"),
        ("completed", "true"),
        ("completed", 1),
        ("completed", None),
        ("deadline_at", "tomorrow"),
        ("deadline_at", "2023-02-30T00:00:00"),
        ("deadline_at", "20230227"),
        ("deadline_at", 1677456000),
        ("deadline_at", "9999-12-31T23:00:00-05:00"),
    ],
)
def test_create_rejects_a_bad_value_naming_the_field(api: str, field: str, value: object) -> None:
    body = {"title": "Valid", field: value}

    response = requests.post(todos_url(api), json=body, timeout=10)

    assert_json_error(response, 400, mentioning=field)
    assert list_ids(api) == []


def test_title_and_description_at_their_limits_are_accepted(api: str) -> None:
    todo = create(api, title="t" * 80, description="d" * 120)

    assert (len(todo["title"]), len(todo["description"])) == (80, 120)


@pytest.mark.parametrize(
    "text",
    ["Ship it 🚀👩‍💻", "写测试用例", "كتابة الاختبارات", "עברית ו-English", "e\u0301 caf\u00e9 \u2028 line"],
)
def test_unicode_text_round_trips(api: str, text: str) -> None:
    todo = create(api, title=text, description=text)

    fetched = requests.get(todos_url(api, todo["id"]), timeout=10).json()
    assert (fetched["title"], fetched["description"]) == (text, text)


def test_an_escaped_lone_surrogate_is_rejected_not_stored(api: str) -> None:
    # A JSON escape can name half a surrogate pair, which is not a character and not UTF-8.
    response = requests.post(
        todos_url(api), data=b'{"title": "half \\ud800 pair"}', headers={"Content-Type": "application/json"}, timeout=10
    )

    assert_json_error(response, 400)
    assert list_ids(api) == []


# --- list -----------------------------------------------------------------------------------


def test_list_is_empty_on_an_empty_database(api: str) -> None:
    response = requests.get(todos_url(api), timeout=10)

    assert response.status_code == 200
    assert response.json() == []


def test_list_is_ordered_by_id_whatever_else_changes(api: str) -> None:
    # Given todos whose titles and deadlines run against their ids
    first = create(api, title="c", deadline_at="2030-01-03T00:00:00")
    second = create(api, title="b", deadline_at="2030-01-02T00:00:00")
    third = create(api, title="a", deadline_at="2030-01-01T00:00:00")
    # And the first one updated last (an UPDATE also moves the row to the end of PostgreSQL's heap)
    assert requests.put(todos_url(api, first["id"]), json={"title": "z"}, timeout=10).status_code == 200

    # When they are listed
    todos = requests.get(todos_url(api), timeout=10).json()

    # Then they come in id order, each as GET shows it
    assert [t["id"] for t in todos] == [first["id"], second["id"], third["id"]]
    assert todos[1] == second


def test_list_filters_on_completed(api: str) -> None:
    done = create(api, title="done", completed=True)
    open_ = create(api, title="open")

    assert list_ids(api, completed="true") == [done["id"]]
    assert list_ids(api, completed="false") == [open_["id"]]
    assert list_ids(api) == [done["id"], open_["id"]]


@pytest.mark.parametrize("value", ["yes", "", "1", "\x00"])
def test_list_rejects_a_bad_completed_value(api: str, value: str) -> None:
    response = requests.get(todos_url(api), params={"completed": value}, timeout=10)

    assert_json_error(response, 400, mentioning="completed")


@pytest.fixture
def todos_around_now(api: str) -> dict[str, int]:
    """Todos past due, due soon, due later, and with no deadline (one of them completed)."""
    return {
        "past_due": create(api, title="past due", deadline_at=in_days(-3))["id"],
        "in_2_days": create(api, title="soon", deadline_at=in_days(2))["id"],
        "in_2_days_done": create(api, title="soon, done", deadline_at=in_days(2), completed=True)["id"],
        "in_10_days": create(api, title="later", deadline_at=in_days(10))["id"],
        "far_future": create(api, title="far", deadline_at="9999-12-31T23:59:59")["id"],
        "no_deadline": create(api, title="someday")["id"],
    }


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("0", ["past_due"]),
        ("5", ["past_due", "in_2_days", "in_2_days_done"]),
        ("30", ["past_due", "in_2_days", "in_2_days_done", "in_10_days"]),
        ("99999999999", ["past_due", "in_2_days", "in_2_days_done", "in_10_days", "far_future"]),
        ("9" * 18, ["past_due", "in_2_days", "in_2_days_done", "in_10_days", "far_future"]),
    ],
)
def test_window_keeps_deadlines_within_n_days_including_past_due(
    api: str, todos_around_now: dict[str, int], window: str, expected: list[str]
) -> None:
    assert list_ids(api, window=window) == [todos_around_now[name] for name in expected]


def test_window_combines_with_completed(api: str, todos_around_now: dict[str, int]) -> None:
    assert list_ids(api, window="5", completed="true") == [todos_around_now["in_2_days_done"]]
    assert list_ids(api, window="5", completed="false") == [todos_around_now["past_due"], todos_around_now["in_2_days"]]


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", "+3", "٣", "\x00", "2.0", "-0.0", "1e308", "9" * 400])
def test_list_rejects_a_bad_window(api: str, value: str) -> None:
    response = requests.get(todos_url(api), params={"window": value}, timeout=10)

    assert_json_error(response, 400, mentioning="window")


@pytest.mark.parametrize("name", ["window", "completed"])
def test_a_query_value_that_is_not_utf_8_is_400(api: str, name: str) -> None:
    # %ED%A0%80 is a surrogate encoded as if it were UTF-8: not decodable.
    response = requests.get(f"{todos_url(api)}?{name}=%ED%A0%80", timeout=10)

    assert_json_error(response, 400, mentioning=name)


# --- get ------------------------------------------------------------------------------------


@pytest.mark.parametrize("todo_id", ["0", "12345", "99999999999", "9" * 200])
def test_get_of_a_missing_id_is_404(api: str, todo_id: str) -> None:
    response = requests.get(todos_url(api, todo_id), timeout=10)

    assert_json_error(response, 404)
    assert response.json() == {"error": "Todo not found"}


@pytest.mark.parametrize("todo_id", ["abc", "-1", "1.5", "%00"])
def test_a_path_that_is_no_id_is_a_json_404(api: str, todo_id: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = requests.request(method, todos_url(api, todo_id), json={"title": "x"}, timeout=10)
        assert_json_error(response, 404)


# --- update ---------------------------------------------------------------------------------


def test_put_changes_the_given_fields_keeps_the_others_and_moves_updated_at(api: str, database_url: str) -> None:
    # Given a todo with every field set, created a while ago
    todo = create(api, title="Draft", description="first pass", deadline_at="2023-02-27T00:00:00")
    backdate(database_url, todo["id"])

    # When only `completed` is sent
    response = requests.put(todos_url(api, todo["id"]), json={"completed": True}, timeout=10)

    # Then only `completed` changed, and updated_at moved forward from the creation time
    assert response.status_code == 200
    updated = response.json()
    assert updated["completed"] is True
    assert {k: updated[k] for k in ("id", "title", "description", "deadline_at")} == {
        k: todo[k] for k in ("id", "title", "description", "deadline_at")
    }
    assert updated["created_at"] == "2020-01-01T00:00:00"
    assert TIMESTAMP.match(updated["updated_at"]) and updated["updated_at"] > "2020-01-01T00:00:00"
    # And that is what is stored
    assert requests.get(todos_url(api, todo["id"]), timeout=10).json() == updated


def test_put_can_clear_the_nullable_fields_and_convert_an_offset(api: str) -> None:
    todo = create(api, title="Draft", description="words", deadline_at="2023-02-27T00:00:00")

    cleared = {"description": None, "deadline_at": None}
    updated = requests.put(todos_url(api, todo["id"]), json=cleared, timeout=10).json()
    assert (updated["description"], updated["deadline_at"]) == (None, None)

    moved = {"deadline_at": "2023-03-01T01:00:00+03:00"}
    updated = requests.put(todos_url(api, todo["id"]), json=moved, timeout=10).json()
    assert updated["deadline_at"] == "2023-02-28T22:00:00"


def test_put_with_an_empty_object_changes_nothing_but_updated_at(api: str, database_url: str) -> None:
    todo = create(api, title="Same", description="same")
    backdate(database_url, todo["id"])

    updated = requests.put(todos_url(api, todo["id"]), json={}, timeout=10).json()

    assert {k: v for k, v in updated.items() if k not in ("created_at", "updated_at")} == {
        k: v for k, v in todo.items() if k not in ("created_at", "updated_at")
    }
    assert updated["updated_at"] > updated["created_at"] == "2020-01-01T00:00:00"


@pytest.mark.parametrize("todo_id", ["0", "424242", "99999999999"])
def test_put_of_a_missing_id_is_404(api: str, todo_id: str) -> None:
    response = requests.put(todos_url(api, todo_id), json={"title": "Ghost"}, timeout=10)

    assert_json_error(response, 404)
    assert response.json() == {"error": "Todo not found"}
    assert list_ids(api) == []


@pytest.mark.parametrize(
    "body",
    [
        {"id": 99},
        {"created_at": "2020-01-01T00:00:00"},
        {"updated_at": "2020-01-01T00:00:00"},
        {"title": None},
        {"title": "t" * 81},
    ],
)
def test_put_rejects_what_post_rejects_and_leaves_the_todo_alone(api: str, body: dict) -> None:
    todo = create(api, title="Keep me")

    response = requests.put(todos_url(api, todo["id"]), json=body, timeout=10)

    assert_json_error(response, 400, mentioning=next(iter(body)))
    assert requests.get(todos_url(api, todo["id"]), timeout=10).json() == todo


# --- delete ---------------------------------------------------------------------------------


def test_delete_returns_the_todo_then_an_empty_object(api: str) -> None:
    # Given a todo among others
    keep = create(api, title="Keep")
    todo = create(api, title="Remove")

    # When it is deleted twice
    first = requests.delete(todos_url(api, todo["id"]), timeout=10)
    second = requests.delete(todos_url(api, todo["id"]), timeout=10)

    # Then the first answer is the todo, the second an empty object, and only it is gone
    assert (first.status_code, first.json()) == (200, todo)
    assert (second.status_code, second.json()) == (200, {})
    assert second.headers["Content-Type"] == "application/json"
    assert requests.get(todos_url(api, todo["id"]), timeout=10).status_code == 404
    assert list_ids(api) == [keep["id"]]


@pytest.mark.parametrize("todo_id", ["0", "99999999999"])
def test_delete_of_a_missing_id_is_an_empty_object(api: str, todo_id: str) -> None:
    response = requests.delete(todos_url(api, todo_id), timeout=10)

    assert (response.status_code, response.json()) == (200, {})


# --- errors are JSON ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(api: str, method: str, content_type: str | None) -> None:
    todo = create(api, title="Target")
    url = todos_url(api) if method == "POST" else todos_url(api, todo["id"])
    headers = {"Content-Type": content_type} if content_type else {}

    response = requests.request(method, url, data=b'{"title": "x"}', headers=headers, timeout=10)

    assert_json_error(response, 415)
    assert list_ids(api) == [todo["id"]]


@pytest.mark.parametrize(
    ("body", "mentioning"),
    [
        (b'{"title": ', "JSON"),
        (b"", "JSON"),
        (b"\xff\xfe", "JSON"),
        (b"[" * 100_000, "JSON"),
        (b'{"title": "x", "completed": 1e999}', None),
        (b'{"title": "x", "completed": 123456789012345678901234567890}', None),
        (b"[]", "object"),
        (b'"a title"', "object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(api: str, body: bytes, mentioning: str | None) -> None:
    response = requests.post(todos_url(api), data=body, headers={"Content-Type": "application/json"}, timeout=10)

    assert_json_error(response, 400, mentioning=mentioning)


def _padded_body(size: int) -> bytes:
    """A valid JSON todo of exactly `size` bytes (trailing whitespace is legal JSON)."""
    body = b'{"title": "Big"}'
    return body + b" " * (size - len(body))


def test_a_body_over_one_mib_is_413(api: str) -> None:
    response = requests.post(
        todos_url(api), data=_padded_body(ONE_MIB + 1), headers={"Content-Type": "application/json"}, timeout=10
    )

    assert_json_error(response, 413)
    assert list_ids(api) == []


def test_a_chunked_body_over_one_mib_is_413_not_cut_and_parsed(api: str) -> None:
    # A generator makes requests send Transfer-Encoding: chunked, with no Content-Length.
    body = _padded_body(ONE_MIB + 1)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))

    response = requests.post(todos_url(api), data=chunks, headers={"Content-Type": "application/json"}, timeout=10)

    assert_json_error(response, 413)
    assert list_ids(api) == []


def test_a_chunked_body_of_exactly_one_mib_is_accepted(api: str) -> None:
    body = _padded_body(ONE_MIB)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))

    response = requests.post(todos_url(api), data=chunks, headers={"Content-Type": "application/json"}, timeout=10)

    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Big"


# "/" is the web page (services/api/tests/test_web_page.py); anything else outside the API is a JSON 404.
@pytest.mark.parametrize("path", ["/nope", "/static/nope.js", "/api/v1/nope", "/api/v1/todos/1/extra", "/api/v2/todos"])
def test_an_unknown_route_is_a_json_404(api: str, path: str) -> None:
    assert_json_error(requests.get(f"{api}{path}", timeout=10), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/api/v1/todos", {"GET", "POST"}),
        ("DELETE", "/api/v1/todos", {"GET", "POST"}),
        ("POST", "/api/v1/todos/1", {"GET", "PUT", "DELETE"}),
        ("POST", "/api/v1/health", {"GET"}),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(api: str, method: str, path: str, allowed: set[str]) -> None:
    response = requests.request(method, f"{api}{path}", json={"title": "x"}, timeout=10)

    assert_json_error(response, 405)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


# --- request ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/health"), ("GET", "/api/v1/todos/12345"), ("GET", "/api/v1/nope"), ("PATCH", "/api/v1/todos")],
)
def test_a_sane_request_id_is_echoed_on_any_answer(api: str, method: str, path: str) -> None:
    response = requests.request(method, f"{api}{path}", headers={"X-Request-ID": "req-42.a:b_c"}, timeout=10)

    assert response.headers["X-Request-ID"] == "req-42.a:b_c"


def test_a_request_id_is_generated_when_none_is_sent(api: str) -> None:
    first = requests.get(f"{api}/api/v1/health", timeout=10).headers["X-Request-ID"]
    second = requests.get(f"{api}/api/v1/health", timeout=10).headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


@pytest.mark.parametrize("offered", ["has spaces", "x" * 129, "semi;colon", "<script>"])
def test_an_insane_request_id_is_replaced(api: str, offered: str) -> None:
    response = requests.get(f"{api}/api/v1/health", headers={"X-Request-ID": offered}, timeout=10)

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
