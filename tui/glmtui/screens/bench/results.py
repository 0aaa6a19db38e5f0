"""A bench's results: the table (as the CLI and the Markdown export write it), the comparison lines,
and the two charts beneath. The live run fills it cell by cell; an earlier run is shown whole.

Every figure comes from the server or a model's name: plain `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from glmtui.core.bench import CellResult
from glmtui.core.bench_export import TABLE_HEAD, table_rows
from glmtui.widgets.bench_charts import DecodeChart, MemoryChart


def _row(cell: CellResult) -> list[Text]:
    (parts,) = table_rows([cell])
    style = "red" if cell.error is not None and not cell.reps else ""
    return [Text(part, style=style) for part in parts]


class ResultsView(Vertical):
    """The table, the comparison lines and the charts of one run's finished cells."""

    DEFAULT_CSS = """
    ResultsView { height: 1fr; }
    ResultsView > DataTable { height: auto; max-height: 50%; }
    ResultsView > .bench-lines { height: auto; color: $text-muted; }
    ResultsView > Horizontal { height: 1fr; min-height: 10; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cells: list[CellResult] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(zebra_stripes=True, cursor_type="row")
        yield table
        yield Static(classes="bench-lines")
        with Horizontal():
            yield DecodeChart()
            yield MemoryChart()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in TABLE_HEAD:
            table.add_column(Text(name))
        self._charts()

    def show(self, cells: Sequence[CellResult], lines: Sequence[str] = ()) -> None:
        """A whole run (an earlier one, or the live run afresh)."""
        self.cells = list(cells)
        table = self.query_one(DataTable)
        table.clear()
        for cell in self.cells:
            table.add_row(*_row(cell))
        self.set_lines(lines)
        self._charts()

    def add(self, cell: CellResult) -> None:
        """One more finished cell: its row, and the charts again."""
        self.cells.append(cell)
        self.query_one(DataTable).add_row(*_row(cell))
        self._charts()

    def set_lines(self, lines: Sequence[str]) -> None:
        self.query_one(".bench-lines", Static).update(Text("\n".join(lines)))

    def _charts(self) -> None:
        self.query_one(DecodeChart).show(self.cells)
        self.query_one(MemoryChart).show(self.cells)

    def table_text(self) -> str:
        """The table's cells as plain text, row by row (tests, the screen reader's view)."""
        table = self.query_one(DataTable)
        return "\n".join(
            " | ".join(str(value) for value in table.get_row_at(index)) for index in range(table.row_count)
        )
