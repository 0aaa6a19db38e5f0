"""The models screen's table and filter box: a row table replaced wholesale, keeping its cursor by key."""

from __future__ import annotations

from rich.text import Text

from glmtui.widgets.model_rows import Row
from glmtui.widgets.prompt_input import SteadyInput
from glmtui.widgets.settled_table import SettledTable


class FilterInput(SteadyInput):
    """The filter box. `[`, `]` and `=` can't be in a model name, so they go to the screen's bindings
    (the context the fit is at)."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character not in ("[", "]", "=") and super().check_consume_key(key, character)


class ModelTable(SettledTable[Text]):
    """A row-cursor table whose rows are replaced wholesale, keeping the highlighted row by key."""

    def __init__(self, columns: tuple[str, ...], *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns = columns
        self._rows: list[Row] = []

    def on_mount(self) -> None:
        self.add_columns(*self._columns)

    @property
    def selected_key(self) -> str | None:
        if not self._rows or not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row][0]

    @property
    def model_rows(self) -> tuple[Row, ...]:
        """The rows as last set, in table order: (key, cells)."""
        return tuple(self._rows)

    def set_rows(self, rows: list[Row]) -> None:
        if rows == self._rows:
            return  # same text: no repaint, the cursor stays
        keep = self.selected_key
        self._rows = rows
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if keep in keys:
            self.move_cursor(row=keys.index(keep), animate=False)
