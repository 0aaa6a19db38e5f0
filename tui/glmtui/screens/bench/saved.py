"""The bench screen's Earlier runs tab: the saved runs, newest first, and the one opened (its table,
charts and comparisons with the runs before it). Reads go through `journal.run` in this widget's own
workers; the screen asks it to `load` when the tab is shown and reads `shown_run` to export it."""

from __future__ import annotations

import time

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from glmtui.core.bench import CellResult
from glmtui.core.bench_export import RunInfo, SavedCell, comparison_lines
from glmtui.core.bench_view import RunRow
from glmtui.screens.bench.results import ResultsView
from glmtui.services import bench_store
from glmtui.surface import AppSurface
from glmtui.widgets.settled_table import SettledTable

RUNS_SHOWN = 200


class SavedRuns(Vertical):
    """The list of saved bench runs and the run opened from it."""

    app = getters.app(AppSurface)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[RunRow] = []
        """The runs listed, newest first."""
        self.shown_run: tuple[RunInfo, list[CellResult]] | None = None
        """The run opened (None until one is)."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Saved runs · Enter opens one", style="bold"), classes="bench-heading")
        runs: DataTable[Text] = SettledTable(id="bench-run-list", cursor_type="row", zebra_stripes=True)
        yield runs
        yield Static(Text("The run opened", style="bold"), id="bench-saved-heading", classes="bench-heading")
        yield ResultsView(id="bench-saved")

    def on_mount(self) -> None:
        runs = self.query_one("#bench-run-list", DataTable)
        for name in ("date", "models", "engine", "GPUs", "cells", "status"):
            runs.add_column(Text(name))

    @work(exclusive=True, group="bench-runs", exit_on_error=False)
    async def load(self, live_run: int | None) -> None:
        """Read the saved runs again; `live_run` is the run under way here (shown as running)."""
        app = self.app
        rows = (
            await app.journal.run(bench_store.run_rows, app.journal.store, RUNS_SHOWN)
            if app.journal.store
            else None
        )
        self.rows = rows or []
        table = self.query_one("#bench-run-list", DataTable)
        table.clear()
        for row in self.rows:
            *parts, _status = row.columns()
            status = Text(row.status_words(live=row.run.run_id == live_run))
            if status.plain.startswith("failed") or " failed" in status.plain:
                status.stylize("red" if status.plain.startswith("failed") else "yellow")
            table.add_row(*(Text(part) for part in parts), status, key=str(row.run.run_id))
        if not self.rows:
            self.query_one("#bench-saved", ResultsView).set_lines(["No saved bench runs yet."])

    @on(DataTable.RowSelected, "#bench-run-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_run(int(event.row_key.value))

    @work(exclusive=True, group="bench-open", exit_on_error=False)
    async def open_run(self, run_id: int) -> None:
        """An earlier run's table, charts and comparisons with the runs before it."""
        app = self.app
        store = app.journal.store
        found = await app.journal.run(bench_store.load_run, store, run_id) if store else None
        view = self.query_one("#bench-saved", ResultsView)
        if found is None:
            view.show([], ["That run is gone (deleted in another glmtui?)."])
            return
        info, cells = found
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at))
        heading = self.query_one("#bench-saved-heading", Static)
        heading.update(Text.assemble(("The run of ", "bold"), (when, "bold"), f"  ·  {len(cells)} cells"))
        models = tuple(dict.fromkeys(c.model for c in cells))
        earlier: list[SavedCell] = (
            await app.journal.run(bench_store.earlier_cells, store, models, before_run=run_id) or []
        )
        self.shown_run = (info, cells)
        view.show(cells, comparison_lines(cells, earlier))
