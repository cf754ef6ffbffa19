"""The TodoStore contract, run against the in-memory fake and against PostgreSQL: what it stores is
what it returns, filtered and ordered as the API lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from taskoverflow_api.timestamps import utc_now
from taskoverflow_api.todos.fakes import FakeTodoStore
from taskoverflow_api.todos.models import DESCRIPTION_MAX, TITLE_MAX
from taskoverflow_api.todos.ports import TodoStore
from taskoverflow_api.todos.postgres import PostgresTodoStore
from taskoverflow_api.todos.selection import Selection, deadline_cutoff
from taskoverflow_shared.db import Database

LONG_AGO = datetime(2020, 1, 1)


class Todos:
    """A TodoStore and a way to move a todo's timestamps into the past (each kind has its own)."""

    def __init__(self, store: TodoStore, backdate: Callable[[int], None]) -> None:
        self.store = store
        self.backdate = backdate

    def list(self, *, completed: bool | None = None, window_days: int | None = None) -> list[dict]:
        return self.store.list(Selection(completed, window_days))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.fixture(params=["fake", pytest.param("postgres", marks=pytest.mark.integration)])
def todos(request: pytest.FixtureRequest) -> Iterator[Todos]:
    if request.param == "fake":
        fake = FakeTodoStore()
        yield Todos(fake, lambda todo_id: fake.rows[todo_id].update(created_at=LONG_AGO, updated_at=LONG_AGO))
        return
    database = Database(request.getfixturevalue("clean_database"), max_connections=2)

    def backdate(todo_id: int) -> None:
        with database.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE todos SET created_at = %s, updated_at = %s WHERE id = %s", (LONG_AGO, LONG_AGO, todo_id)
            )

    yield Todos(PostgresTodoStore(database), backdate)
    database.close()


def ids(todos: list[dict]) -> list[int]:
    return [todo["id"] for todo in todos]


# --- create and get -------------------------------------------------------------------------


def test_create_fills_in_defaults_and_timestamps(todos: Todos) -> None:
    todo = todos.create({"title": "Write tests"})

    assert set(todo) == {"id", "title", "description", "completed", "deadline_at", "created_at", "updated_at"}
    assert todo["title"] == "Write tests"
    assert (todo["description"], todo["completed"], todo["deadline_at"]) == (None, False, None)
    assert isinstance(todo["created_at"], datetime) and todo["created_at"].tzinfo is None
    assert todo["created_at"].microsecond == 0 and todo["updated_at"] == todo["created_at"]
    assert abs(todo["created_at"] - utc_now()) < timedelta(minutes=5), "created_at is not UTC"


def test_create_stores_every_field_and_get_reads_it_back(todos: Todos) -> None:
    todo = todos.create(
        {"title": "Ship", "description": "v1.0", "completed": True, "deadline_at": datetime(33, 4, 3, 15, 0, 0)}
    )

    assert todos.get(todo["id"]) == todo
    assert (todo["description"], todo["completed"], todo["deadline_at"]) == ("v1.0", True, datetime(33, 4, 3, 15))


def test_ids_increase(todos: Todos) -> None:
    first, second = todos.create({"title": "a"}), todos.create({"title": "b"})

    assert second["id"] > first["id"] > 0


def test_get_of_a_missing_id_is_none(todos: Todos) -> None:
    assert todos.get(1) is None


@pytest.mark.parametrize(
    "text",
    [
        "🚀" * 80,  # 80 code points outside the BMP: 80 characters to PostgreSQL too
        "写测试用例，然后发布",
        "كتابة الاختبارات",
        "עברית mixed with English",
        "👩‍👩‍👧‍👦 family, e\u0301, \u200f\u2028",
    ],
)
def test_unicode_round_trips(todos: Todos, text: str) -> None:
    todo = todos.create({"title": text[:80], "description": text})

    stored = todos.get(todo["id"])
    assert (stored["title"], stored["description"]) == (text[:80], text)


# --- list -----------------------------------------------------------------------------------


def test_list_is_ordered_by_id_even_after_updates(todos: Todos) -> None:
    # Given three todos, the first updated last (an UPDATE moves a row to the end of the heap)
    first, second, third = (todos.create({"title": t}) for t in ("c", "b", "a"))
    todos.update(first["id"], {"title": "z"})

    # When they are listed, then they come in id order
    assert ids(todos.list()) == [first["id"], second["id"], third["id"]]


def test_list_filters_on_completed(todos: Todos) -> None:
    done = todos.create({"title": "done", "completed": True})
    open_ = todos.create({"title": "open"})

    assert ids(todos.list(completed=True)) == [done["id"]]
    assert ids(todos.list(completed=False)) == [open_["id"]]
    assert ids(todos.list()) == [done["id"], open_["id"]]


def test_window_includes_past_due_excludes_no_deadline_and_later(todos: Todos) -> None:
    # Given todos due around now, one without a deadline
    now = utc_now()
    past_due = todos.create({"title": "past", "deadline_at": now - timedelta(days=400)})
    soon = todos.create({"title": "soon", "deadline_at": now + timedelta(days=2), "completed": True})
    later = todos.create({"title": "later", "deadline_at": now + timedelta(days=10)})
    last_day = todos.create({"title": "max", "deadline_at": datetime(9999, 12, 31, 23, 59, 59)})
    todos.create({"title": "someday"})

    # Then each window holds the deadlines up to N days from now, and only those
    assert ids(todos.list(window_days=0)) == [past_due["id"]]
    assert ids(todos.list(window_days=5)) == [past_due["id"], soon["id"]]
    assert ids(todos.list(window_days=30)) == [past_due["id"], soon["id"], later["id"]]
    assert ids(todos.list(window_days=3_650_000)) == [past_due["id"], soon["id"], later["id"], last_day["id"]]
    assert ids(todos.list(window_days=5, completed=False)) == [past_due["id"]]


def test_deadline_cutoff_is_now_plus_n_days() -> None:
    now = datetime(2023, 2, 27, 12)

    assert deadline_cutoff(None, now) is None
    assert deadline_cutoff(0, now) == now
    assert deadline_cutoff(3, now) == datetime(2023, 3, 2, 12)


def test_deadline_cutoff_past_the_calendar_is_the_last_second() -> None:
    assert deadline_cutoff(3_650_000, datetime(2023, 2, 27)) == datetime(9999, 12, 31, 23, 59, 59)


# --- update ---------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields_and_moves_updated_at(todos: Todos) -> None:
    # Given a todo with every field set, created long ago
    todo = todos.create({"title": "Draft", "description": "words", "deadline_at": datetime(2023, 2, 27)})
    todos.backdate(todo["id"])

    # When only its title changes
    updated = todos.update(todo["id"], {"title": "Final"})

    # Then the rest is kept, created_at too, and updated_at is now
    assert updated["title"] == "Final"
    kept = (updated["description"], updated["completed"], updated["deadline_at"])
    assert kept == ("words", False, datetime(2023, 2, 27))
    assert updated["created_at"] == LONG_AGO
    assert updated["updated_at"] > LONG_AGO
    assert todos.get(todo["id"]) == updated


def test_update_with_no_fields_only_touches_updated_at(todos: Todos) -> None:
    todo = todos.create({"title": "Same"})
    todos.backdate(todo["id"])

    updated = todos.update(todo["id"], {})

    assert {k: updated[k] for k in ("title", "description", "completed", "deadline_at")} == {
        k: todo[k] for k in ("title", "description", "completed", "deadline_at")
    }
    assert updated["updated_at"] > updated["created_at"] == LONG_AGO


def test_update_can_clear_nullable_fields(todos: Todos) -> None:
    todo = todos.create({"title": "x", "description": "y", "deadline_at": datetime(2023, 2, 27)})

    updated = todos.update(todo["id"], {"description": None, "deadline_at": None})

    assert (updated["description"], updated["deadline_at"]) == (None, None)


def test_update_of_a_missing_id_is_none_and_creates_nothing(todos: Todos) -> None:
    assert todos.update(42, {"title": "Ghost"}) is None
    assert todos.list() == []


# --- delete ---------------------------------------------------------------------------------


def test_delete_returns_the_row_once(todos: Todos) -> None:
    keep = todos.create({"title": "keep"})
    todo = todos.create({"title": "remove"})

    assert todos.delete(todo["id"]) == todo
    assert todos.delete(todo["id"]) is None
    assert todos.get(todo["id"]) is None
    assert ids(todos.list()) == [keep["id"]]


# --- the schema holds what the validator lets through ---------------------------------------


@pytest.mark.integration
def test_the_columns_are_as_long_as_the_fields_may_be(clean_database: str) -> None:
    import psycopg2

    conn = psycopg2.connect(clean_database)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_name, character_maximum_length FROM information_schema.columns"
            " WHERE table_name = 'todos' AND column_name IN ('title', 'description')"
        )
        lengths = dict(cur.fetchall())
    conn.close()

    assert lengths == {"title": TITLE_MAX, "description": DESCRIPTION_MAX}
