"""Moving a table's highlight while a text box keeps the focus (the models and history screens):
the arrow and page keys go to the table, typing goes to the box."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable


def row_bindings(prefix: str) -> list[Binding]:
    """↑ ↓ PgUp PgDn for the screen's table, with ids like `models-up` (rebindable)."""
    return [
        Binding("up", "move(-1)", "Up", show=False, priority=True, id=f"{prefix}-up"),
        Binding("down", "move(1)", "Down", show=False, priority=True, id=f"{prefix}-down"),
        Binding("pageup", "move(-10)", "Page up", show=False, priority=True, id=f"{prefix}-page-up"),
        Binding("pagedown", "move(10)", "Page down", show=False, priority=True, id=f"{prefix}-page-down"),
    ]


def move_row(table: DataTable[Any], delta: int) -> None:
    """Move the highlight by `delta` rows, stopping at the first and last."""
    if table.row_count:
        table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + delta)), animate=False)
