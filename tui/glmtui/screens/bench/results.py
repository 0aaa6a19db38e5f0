"""A bench's results: the table (the CLI's: core/bench_table.py — medians with their spread, ~120
columns), the notes on skipped and failed cells, the comparison lines, and the two charts beneath. The
live run fills it cell by cell; an earlier run is shown whole.

Every figure comes from the server or a model's name: plain `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from glmtui.core.bench import CellResult
from glmtui.core.bench_table import CAPTION, HEAD, NUMERIC, STYLES, table_notes, table_rows
from glmtui.core.bench_view import decode_lines, memory_note, memory_points
from glmtui.widgets.charts import Chart
from glmtui.widgets.settled_table import SettledTable


def _row(cell: CellResult) -> list[Text]:
    (parts,) = table_rows([cell])
    cells = [part.rich() for part in parts]
    for name, text in zip(HEAD, cells, strict=True):
        if name in NUMERIC:
            text.justify = "right"  # figures line up on their last digit (or their %)
    return cells


class ResultsView(Vertical):
    """The table, the comparison lines and the charts of one run's finished cells."""

    DEFAULT_CSS = """
    ResultsView { height: 1fr; }
    ResultsView > DataTable { height: auto; max-height: 50%; }
    ResultsView > .bench-caption { height: 1; color: $text-muted; }
    ResultsView > .bench-notes { height: auto; max-height: 6; }
    ResultsView > .bench-lines { height: auto; color: $text-muted; }
    ResultsView > Horizontal { height: 1fr; min-height: 10; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cells: list[CellResult] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = SettledTable(zebra_stripes=True, cursor_type="row", header_height=2)
        yield table
        yield Static(Text(CAPTION), classes="bench-caption")
        yield Static(classes="bench-notes")
        yield Static(classes="bench-lines")
        with Horizontal():
            yield Chart(classes="bench-decode")
            yield Chart(classes="bench-memory")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in HEAD:
            table.add_column(Text(name, justify="right" if name in NUMERIC else "left"))
        self._charts()

    def show(self, cells: Sequence[CellResult], lines: Sequence[str] = ()) -> None:
        """A whole run (an earlier one, or the live run afresh)."""
        self.cells = list(cells)
        table = self.query_one(DataTable)
        table.clear()
        for cell in self.cells:
            table.add_row(*_row(cell))
        self._notes()
        self.set_lines(lines)
        self._charts()

    def add(self, cell: CellResult) -> None:
        """One more finished cell: its row, and the charts again."""
        self.cells.append(cell)
        self.query_one(DataTable).add_row(*_row(cell))
        self._notes()
        self._charts()

    def _notes(self) -> None:
        """Why cells were skipped or failed, under the table (a long reason wraps here)."""
        notes = Text()
        for note, style in table_notes(self.cells):
            notes.append(note + "\n", style=STYLES.get(style, ""))
        notes.rstrip()
        widget = self.query_one(".bench-notes", Static)
        widget.update(notes)
        widget.display = bool(notes)

    def set_lines(self, lines: Sequence[str]) -> None:
        self.query_one(".bench-lines", Static).update(Text("\n".join(lines)))

    def _charts(self) -> None:
        """Decode rate by prompt length (a line per model @ endpoint), and decode rate against memory
        (a labelled point per measured cell); measured cells only: the table says what the rest did."""
        decode = self.query_one(".bench-decode", Chart)
        lines = decode_lines(self.cells)
        if lines.series:
            decode.lines(
                lines.series,
                title="decode rate by prompt length",
                unit="tok/s",
                xlabel="prompt tokens",
                xticks=lines.ticks,
            )
        else:
            decode.message("decode rate by prompt length: no cell measured yet")
        memory = self.query_one(".bench-memory", Chart)
        note = memory_note(self.cells)
        if note:
            memory.message(f"decode rate vs memory: {note}")
            return
        memory.scatter(
            {
                name: [(p.memory_gib, p.decode_tps, p.label) for p in found]
                for name, found in memory_points(self.cells).items()
            },
            title="decode rate vs memory",
            unit="tok/s",
            xlabel="memory, GiB (the server's /api/ps size)",
        )

    def notes_text(self) -> str:
        """The notes under the table, as plain text (tests)."""
        return "\n".join(note for note, _style in table_notes(self.cells))

    def table_text(self) -> str:
        """The table's cells as plain text, row by row (tests, the screen reader's view)."""
        table = self.query_one(DataTable)
        return "\n".join(
            " | ".join(str(value) for value in table.get_row_at(index)) for index in range(table.row_count)
        )
