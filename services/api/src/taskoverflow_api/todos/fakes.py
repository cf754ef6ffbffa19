"""An in-memory TodoStore for unit tests; the contract tests hold it and PostgresTodoStore to the same cases."""

from __future__ import annotations

import itertools
from typing import Any

from ..timestamps import utc_now
from .ports import TodoRow
from .selection import Selection

_DEFAULTS = {"description": None, "completed": False, "deadline_at": None}


class FakeTodoStore:
    def __init__(self) -> None:
        self.rows: dict[int, TodoRow] = {}
        self._ids = itertools.count(1)

    def list(self, selection: Selection) -> list[TodoRow]:
        now = utc_now()
        return [dict(row) for _, row in sorted(self.rows.items()) if selection.selects(row, now)]

    def get(self, todo_id: int) -> TodoRow | None:
        row = self.rows.get(todo_id)
        return None if row is None else dict(row)

    def create(self, fields: dict[str, Any]) -> TodoRow:
        now = utc_now()
        todo_id = next(self._ids)
        self.rows[todo_id] = {"id": todo_id, **_DEFAULTS, **fields, "created_at": now, "updated_at": now}
        return dict(self.rows[todo_id])

    def update(self, todo_id: int, fields: dict[str, Any]) -> TodoRow | None:
        if todo_id not in self.rows:
            return None
        self.rows[todo_id].update(fields, updated_at=utc_now())
        return dict(self.rows[todo_id])

    def delete(self, todo_id: int) -> TodoRow | None:
        return self.rows.pop(todo_id, None)
