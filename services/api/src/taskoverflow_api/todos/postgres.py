"""The TodoStore on PostgreSQL: parameterised SQL only, rows returned as the API shows them."""

from __future__ import annotations

from typing import Any

from taskoverflow_shared.db import Database

from ..timestamps import utc_now
from .ports import TodoRow
from .selection import Selection, deadline_cutoff

_COLUMNS = "id, title, description, completed, deadline_at, created_at, updated_at"


def _as_dict(row: tuple[Any, ...]) -> TodoRow:
    # Timestamps stay datetimes (whole seconds, UTC, naive): the JSON renderer writes
    # them as the contract's "2023-02-27T00:00:00" without a Python call per value.
    return {
        "id": row[0],
        "title": row[1],
        "description": row[2],
        "completed": row[3],
        "deadline_at": row[4],
        "created_at": row[5],
        "updated_at": row[6],
    }


def selection_sql(selection: Selection) -> tuple[str, list[Any]]:
    """The WHERE clause (or "") and parameters that select todos as the list endpoint does."""
    clauses: list[str] = []
    params: list[Any] = []
    if selection.completed is not None:
        clauses.append("completed = %s")
        params.append(selection.completed)
    cutoff = deadline_cutoff(selection.window)
    if cutoff is not None:
        # Past-due todos are inside any window; todos with no deadline are in none.
        clauses.append("deadline_at <= %s")
        params.append(cutoff)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


class PostgresTodoStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, selection: Selection) -> list[TodoRow]:
        where, params = selection_sql(selection)
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM todos{where} ORDER BY id", params)
            return [_as_dict(row) for row in cur.fetchall()]

    def get(self, todo_id: int) -> TodoRow | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM todos WHERE id = %s", (todo_id,))
            row = cur.fetchone()
        return None if row is None else _as_dict(row)

    def create(self, fields: dict[str, Any]) -> TodoRow:
        now = utc_now()
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO todos (title, description, completed, deadline_at, created_at, updated_at)"
                f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (
                    fields["title"],
                    fields.get("description"),
                    fields.get("completed", False),
                    fields.get("deadline_at"),
                    now,
                    now,
                ),
            )
            row = cur.fetchone()
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _as_dict(row)

    def update(self, todo_id: int, fields: dict[str, Any]) -> TodoRow | None:
        # Column names come from the validator's fixed whitelist, never from the client.
        assignments = [f"{name} = %s" for name in fields] + ["updated_at = %s"]
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                f"UPDATE todos SET {', '.join(assignments)} WHERE id = %s RETURNING {_COLUMNS}",
                (*fields.values(), utc_now(), todo_id),
            )
            row = cur.fetchone()
        return None if row is None else _as_dict(row)

    def delete(self, todo_id: int) -> TodoRow | None:
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM todos WHERE id = %s RETURNING {_COLUMNS}", (todo_id,))
            row = cur.fetchone()
        return None if row is None else _as_dict(row)
