"""What the todo endpoints need from the outside world: the todo store."""

from __future__ import annotations

from typing import Any, Protocol

from .selection import Selection

# A todo as the API shows it: id, title, description, completed, deadline_at, created_at, updated_at
# (timestamps as naive UTC datetimes at whole seconds; the JSON renderer writes them).
TodoRow = dict[str, Any]


class TodoStore(Protocol):
    def list(self, selection: Selection) -> list[TodoRow]:
        """The selected todos, ordered by id."""
        ...

    def get(self, todo_id: int) -> TodoRow | None: ...

    def create(self, fields: dict[str, Any]) -> TodoRow:
        """A new todo from validated fields; the rest take their defaults, both timestamps are now."""
        ...

    def update(self, todo_id: int, fields: dict[str, Any]) -> TodoRow | None:
        """Change the given fields and updated_at; None when there is no such todo."""
        ...

    def delete(self, todo_id: int) -> TodoRow | None:
        """The todo as it was, or None when there was none."""
        ...
