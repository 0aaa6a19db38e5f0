"""The comparison strip under the two panes: this round's figures side by side, and the session's.

The better value of each figure is marked (✓, in the theme's success colour) and the verdict says by
how much (`B 1.8× faster`). On a short terminal only the key rows are shown. A rate glmtui timed itself
(an OpenAI-compatible engine) reads `(client-timed)`, and against an exact one gets no verdict but
"not like for like" (the rows and their notes come from services.compare).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from glmtui.services.compare import Metric
from glmtui.services.compare_figures import TTFT_NET

COMPACT_ROWS = ("TTFT", "eval rate", "output tokens")


class ComparisonStrip(Widget):
    """Figures of the last finished round (and the session), or a hint before there are any."""

    DEFAULT_CSS = """
    ComparisonStrip { height: auto; max-height: 14; padding: 0 1; border-top: hkey $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._round: list[Metric] = []
        self._session: list[Metric] = []
        self._names: tuple[str, str] = ("A", "B")
        self._rounds = 0
        self._notes: list[Text] = []
        self._details: list[Text] = []  # why rows have no verdict: left out on a short terminal
        self.compact = False

    def show(
        self,
        round_rows: Sequence[Metric],
        session_rows: Sequence[Metric],
        *,
        names: tuple[str, str],
        rounds: int,
        notes: Sequence[Text] = (),
        details: Sequence[Text] = (),
    ) -> None:
        self._round, self._session = list(round_rows), list(session_rows)
        self._names, self._rounds, self._notes, self._details = names, rounds, list(notes), list(details)
        self.refresh(layout=True)

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.refresh(layout=True)

    def render(self) -> RenderableType:
        if not self._round:
            hint = Text(
                "Figures appear here when both replies have ended: TTFT, eval rate, prompt eval, load "
                "time, tokens, thinking — the better value marked ✓.",
                style="dim",
            )
            return Group(hint, *self._notes)
        # A short terminal keeps the panes: the verdict cells already say why in a few words.
        return Group(self._table(), *([] if self.compact else self._details), *self._notes)

    def _table(self) -> Table:
        session = {m.label: m for m in self._session} if self._rounds > 1 else {}
        if session and not self.compact:
            # The richest layout that fits, so the row labels and model names are never squeezed out:
            # the session's verdicts go first (its ✓ marks still say which side), then its columns.
            for verdicts in (True, False):
                table = self._build(session, wide=True, session_verdicts=verdicts)
                if self._width_of(table) <= self.size.width:
                    return table
        return self._build(session, wide=False, session_verdicts=False)

    def _width_of(self, table: Table) -> int:
        """The table's natural width (every cell whole)."""
        console = self.app.console
        return Measurement.get(console, console.options.update_width(10_000), table).maximum

    def _build(self, session: dict[str, Metric], *, wide: bool, session_verdicts: bool) -> Table:
        table = Table(box=None, padding=(0, 1), expand=False, show_edge=False, header_style="bold")
        # Headers are Text: model names are data, and a plain string header would be read as markup.
        # The labels never wrap and the verdicts may: on a narrow strip a verdict takes two lines
        # rather than the row losing its name.
        width = max((len(row.label) for row in self._round), default=0)
        table.add_column(Text("this round"), no_wrap=True, min_width=width)
        table.add_column(
            Text(self._names[0]), justify="right", no_wrap=True, overflow="ellipsis", max_width=36
        )
        table.add_column(
            Text(self._names[1]), justify="right", no_wrap=True, overflow="ellipsis", max_width=36
        )
        table.add_column("")
        if wide:
            table.add_column(Text(f"session ({self._rounds} rounds)"), justify="right", no_wrap=True)
            table.add_column("", justify="right", no_wrap=True)
            if session_verdicts:
                table.add_column("")
        for row in self._round:
            if self.compact and row.label not in self._compact_rows:
                continue
            cells = [
                Text(row.label),
                _value(row.a, row.better == "a"),
                _value(row.b, row.better == "b"),
                Text(row.verdict, style="bold" if row.better else "dim"),
            ]
            if wide:
                total = session.get(row.label)
                cells += [
                    _value(total.a, total.better == "a") if total else Text(""),
                    _value(total.b, total.better == "b") if total else Text(""),
                ]
                if session_verdicts:
                    cells.append(
                        Text(total.verdict, style="bold" if total.better else "dim") if total else Text("")
                    )
            table.add_row(*cells)
        hidden = [row.label for row in self._round if self.compact and row.label not in self._compact_rows]
        if hidden:
            # One short line (a short terminal has none to spare): a taller one, or the export, shows all.
            table.add_row(Text(f"+{len(hidden)} more", style="dim"), Text(""), Text(""), Text(""))
        if session and not wide:
            rate = session.get("eval rate")
            if rate is not None:
                table.add_row(
                    Text(f"session ({self._rounds})", style="dim"),
                    _value(rate.a, rate.better == "a"),
                    _value(rate.b, rate.better == "b"),
                    Text(rate.verdict, style="dim"),
                )
        return table

    @property
    def _compact_rows(self) -> tuple[str, ...]:
        """The key rows; TTFT − load (there when a side loaded its model) stands in for the TTFT it judges."""
        if any(row.label == TTFT_NET for row in self._round):
            return tuple(TTFT_NET if label == "TTFT" else label for label in COMPACT_ROWS)
        return COMPACT_ROWS


def _value(text: str, better: bool) -> Text:
    if better:
        return Text.assemble(("✓ ", "bold green"), (text, "bold"))
    return Text(text)
