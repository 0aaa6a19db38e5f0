"""The bench screen's two charts, over textual-plotext's `PlotextPlot`, in the theme's colours.

`DecodeChart.show(cells)`: decode rate against prompt length, one line per model @ endpoint.
`MemoryChart.show(cells)`: decode rate (y) against memory (x), a point per measured cell, labelled with
its variant and length. Both take finished cells only and draw again on a theme change. The data is
core/bench_view.py's. Names are plain text: sanitised here (plotext's output is read back with
`Text.from_ansi`, so an escape sequence in a model's name would otherwise act), never markup.

(The usage view's charts, in another branch, are a general `Chart` over the same widget; when both are
in, these two can become calls to it.)
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot

from glmtui.core.bench import CellResult
from glmtui.core.bench_view import decode_lines, memory_note, memory_points
from glmtui.core.sanitize import sanitize

PlotColour = str | tuple[int, int, int]
SERIES_VARIABLES = ("primary", "secondary", "success", "accent", "warning", "error")
_ANSI_NAMES = ("black", "red", "green", "orange", "blue", "magenta", "cyan", "white")  # plotext's names


def plot_colour(value: str) -> PlotColour:
    """A theme colour as plotext takes it: RGB, or an ANSI colour's plotext name ("blue", "red+")."""
    colour = Color.parse(value)
    if colour.ansi is not None and 0 <= colour.ansi < 16:
        name = _ANSI_NAMES[colour.ansi % 8]
        return f"{name}+" if colour.ansi >= 8 else name
    return colour.rgb


def plain(text: str) -> str:
    """A name or label safe inside a chart: control characters made visible, one line."""
    return sanitize(text).replace("\n", " ").replace("\t", " ")


class BenchChart(PlotextPlot):
    """A chart of bench cells; `summary` says in words what it shows (tests, screen readers)."""

    DEFAULT_CSS = """
    BenchChart { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cells: tuple[CellResult, ...] = ()
        self.summary = ""
        self._drawn: tuple[tuple[int, int, str, int], Text] | None = None
        self._version = 0

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())
        self._redraw()

    def show(self, cells: Sequence[CellResult]) -> None:
        """Draw these (finished) cells."""
        self.cells = tuple(cells)
        self._redraw()

    def palette(self) -> list[PlotColour]:
        variables = self.app.theme_variables
        return [plot_colour(variables[name]) for name in SERIES_VARIABLES if name in variables] or ["default"]

    def render(self) -> RenderResult:
        # plotext builds the whole figure on each render (tens of ms): only again when the cells, the
        # size or the theme changed, not on every repaint of the screen around it.
        key = (self.size.width, self.size.height, self.app.theme, self._version)
        if self._drawn is None or self._drawn[0] != key:
            rendered = super().render()
            assert isinstance(rendered, Text)
            self._drawn = (key, rendered)
        return self._drawn[1]

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        self._version += 1
        self.plt.clear_figure()
        self.draw()
        self.refresh()

    def draw(self) -> None:  # pragma: no cover - each chart draws its own
        raise NotImplementedError


class DecodeChart(BenchChart):
    """Decode rate vs prompt length, one line per model @ endpoint."""

    def draw(self) -> None:
        lines = decode_lines(self.cells)
        p = self.plt
        p.title("decode tok/s by prompt length")
        p.ylabel("tok/s")
        if not lines.series:
            self.summary = "decode tok/s by prompt length: no cell measured yet"
            return
        palette = self.palette()
        for index, (name, (xs, ys)) in enumerate(lines.series.items()):
            p.plot(xs, ys, color=palette[index % len(palette)], label=plain(name), marker="hd")
        p.xticks(lines.ticks[0], lines.ticks[1])
        self.summary = "decode tok/s by prompt length: " + ", ".join(lines.series)


class MemoryChart(BenchChart):
    """Decode rate (y) against memory in GiB (x), labelled points, a colour per model @ endpoint."""

    def draw(self) -> None:
        points = memory_points(self.cells)
        p = self.plt
        p.title("decode tok/s vs memory (GiB)")
        note = memory_note(self.cells)
        if note:
            p.title(f"decode tok/s vs memory: {note}")
            self.summary = f"speed vs memory: {note}"
            return
        palette = self.palette()
        every = [pt for found in points.values() for pt in found]
        low, high = min(pt.memory_gib for pt in every), max(pt.memory_gib for pt in every)
        span = max(high - low, 1.0)
        # Room at the right for the last point's label, and a gap so a label never covers its point.
        p.xlim(low - span * 0.05, high + span * 0.3)
        for index, (name, found) in enumerate(points.items()):
            colour = palette[index % len(palette)]
            xs, ys = [pt.memory_gib for pt in found], [pt.decode_tps for pt in found]
            p.scatter(xs, ys, color=colour, label=plain(name), marker="●")
            for point in found:
                x = point.memory_gib + span * 0.03
                p.text(plain(point.label), x, point.decode_tps, color=colour, alignment="left")
        self.summary = "speed vs memory: " + ", ".join(f"{n} ({len(v)})" for n, v in points.items())
