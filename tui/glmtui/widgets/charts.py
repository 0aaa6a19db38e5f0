"""Charts in the theme's colours: one documented layer over textual-plotext's `PlotextPlot`, for every
screen that draws (usage, bench, and whatever comes next).

`Chart` is a widget; give it data with one of its methods and it draws (again on a resize or a theme
change, in the new theme's colours). Names and labels are plain text: they are sanitised here
(plotext's output is read back with `Text.from_ansi`, so an escape sequence in a model's name would
otherwise act), and nothing is ever read as markup.

    chart.bars(labels, {"model-a": [..], "model-b": [..]}, title=..., unit=..., max_ticks=8)
        One bar per label, several series stacked; about max_ticks labels written under them.
    chart.lines({"model-a": (xs, ys), ...}, title=..., unit=..., xlabel=..., xticks=(positions, labels),
                marks=[(x, "model-a"), ...], zoomed=False)
        A line (half blocks) per series with its points marked; `marks` draws a vertical line at x in
        that series' colour.
    chart.scatter({"model-a": [(x, y, "label"), ...], ...}, title=..., unit=..., xlabel=...)
        Labelled points, a colour per series, both axes from 0; a label that has no free room is left
        out (never drawn over another label or a point; the legend is under the plot).
    chart.histogram(labels, counts, title=..., unit=...)
        One bar per bucket, centred on its label, in the theme's primary colour.
    chart.message(text)
        No data: the text as the chart's title over empty axes.

The axes are honest by default: round ticks (1-2-5 steps, `5k` for 5000, core/axes.py) on a value axis
that starts at zero; `lines(..., zoomed=True)` fits the axis to the data instead and says so in the
title. `unit` is the value axis' title (written above it); `xlabel` the other axis' (below it). The
legend is written under the plot, never over the data; one series needs none (the title names it).

Series take the theme's colours in order (primary, secondary, success, accent, error, user-color),
then repeat; `colour_of(name)` says which a series got. On an ANSI theme they are the terminal's own
16 colours, so its scheme decides what they look like. `summary` says in words what the chart shows
(its title and series; tests and screen readers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from glmtui.core.axes import nice_ticks, tick_labels
from glmtui.core.sanitize import sanitize

PlotColour = str | tuple[int, int, int]
SERIES_VARIABLES = ("primary", "secondary", "success", "accent", "error", "user-color")
_ANSI_NAMES = ("black", "red", "green", "orange", "blue", "magenta", "cyan", "white")  # plotext's names
LEGEND_ROWS = 3  # at most; a longer legend ends with "+N more"
LINE, POINT, BLOCK = "━━", "●", "█"  # legend glyphs: a line, a point, a bar
# Lines in half blocks, not braille: braille glyphs are missing from the screenshots' SVG font and the
# fallback draws them wider, so a line overran its own points and the frame in the README's pictures.
LINE_MARKER = "hd"


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


@dataclass(frozen=True, slots=True)
class Area:
    """The plot's size in cells as the draw function gets it (the legend's rows already taken off)."""

    width: int
    height: int

    @property
    def rows(self) -> int:
        """Rows for the data: less the two borders and the tick labels (and the axis title, if any)."""
        return max(2, self.height - 3)

    def ticks_for(self) -> int:
        """How many intervals the value axis has room for: a tick every other row, every row when short."""
        return max(2, min(6, self.rows // 2 if self.rows >= 8 else self.rows - 1))


Draw = Callable[[Plot, Area], None]


class Chart(PlotextPlot):
    """A plotext chart fed plain data; see the module's docstring for the API."""

    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._draw: Draw | None = None
        self._legend: list[tuple[str, str]] = []  # (glyph, series name)
        self._unit = ""
        self._title = ""
        self._colours: dict[str, PlotColour] = {}
        self._styles: dict[str, Style] = {}
        self.summary = ""
        """What the chart shows, in words (its title and series): for tests and screen readers."""
        self._drawn: tuple[tuple[int, int, str, int], Text] | None = None
        self._version = 0  # bumped by each new drawing: the cache below is for this one

    def render(self) -> RenderResult:
        # plotext builds the whole figure on each render (~25-75 ms here): it is built again only when
        # the data, the size or the theme changed, not on every repaint of the screen around it.
        if self._draw is None:
            return ""  # nothing given yet: blank, not empty axes
        key = (self.size.width, self.size.height, self.app.theme, self._version)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, self._build(self.size.width, self.size.height))
        return self._drawn[1]

    def on_mount(self) -> None:
        # (PlotextPlot's own on_mount runs too: Textual calls each class's handler.)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())

    # -- colours --------------------------------------------------------------------------------

    def palette(self) -> list[str]:
        """The theme's series colours, in order (as the theme writes them)."""
        variables = self.app.theme_variables
        return [variables[name] for name in SERIES_VARIABLES if name in variables]

    def colour_of(self, name: str) -> PlotColour | None:
        """The colour the last drawing gave the series `name` (None if it had no such series)."""
        return self._colours.get(name)

    def _assign(self, names: Sequence[str]) -> list[PlotColour]:
        palette = self.palette() or ["ansi_default"]
        chosen = {name: palette[i % len(palette)] for i, name in enumerate(names)}
        self._colours = {name: plot_colour(value) for name, value in chosen.items()}
        self._styles = {name: Style(color=Color.parse(value).rich_color) for name, value in chosen.items()}
        return [self._colours[name] for name in names]

    def _canvas(self) -> PlotColour:
        """The plot's background (textual-plotext's "auto" theme paints it in the theme's surface)."""
        return plot_colour(self.app.theme_variables.get("surface", "black"))

    # -- building -------------------------------------------------------------------------------

    def _build(self, width: int, height: int) -> Text:
        rows = len(self._legend_lines(width)) if len(self._legend) > 1 else 0
        if height - rows < 8:
            rows = 0  # too short for both: the plot wins (the summary still names the series)
        plot_height = max(1, height - rows - 1)  # less the title row
        plt = self.plt
        plt.clear_figure()
        if self._draw is not None:
            self._draw(plt, Area(width, plot_height))  # assigns the series' colours
        legend = self._legend_lines(width) if rows else []
        plt.plotsize(width, plot_height)
        plt._set_size(width, plot_height)  # see PlotextPlot.render: the resize needs both
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        lines = Text.from_ansi(plt.build()).split("\n", allow_blank=True)
        while lines and not lines[-1].plain.strip():
            lines.pop()  # plotext ends with a newline: the legend goes right under the axis
        return Text("\n").join([self._title_row(width), *lines, *legend])

    def _title_row(self, width: int) -> Text:
        """The value axis' title (its unit) at the left, over the tick labels; the chart's title in
        the middle, or after the unit when the middle has no room."""
        unit = Text(plain(self._unit), style="bold")
        title = Text(plain(self._title))
        start = (width - title.cell_len) // 2
        if unit.cell_len and start < unit.cell_len + 2:
            start = unit.cell_len + 2
        # The gap is its own span (dim, blank): an SVG snapshot drops a span's leading spaces.
        row = Text.assemble(unit, (" " * max(0, start - unit.cell_len), "dim"), title)
        row.truncate(width, overflow="ellipsis", pad=True)
        return row

    def _legend_lines(self, width: int) -> list[Text]:
        entries = [
            Text.assemble((glyph, self._styles.get(name, Style())), " ", plain(name))
            for glyph, name in self._legend
        ]
        lines: list[Text] = []
        line = Text(" ")
        for index, entry in enumerate(entries):
            if line.cell_len > 1 and line.cell_len + 3 + entry.cell_len > width:
                if len(lines) == LEGEND_ROWS - 1:
                    line.append(f"   +{len(entries) - index} more", style="dim")
                    break
                lines.append(line)
                line = Text(" ")
            line.append_text(Text("   ") if line.cell_len > 1 else Text())
            line.append_text(entry)
        lines.append(line)
        for text in lines:
            text.truncate(width, overflow="ellipsis")
        return lines

    def _show(self, summary: str, title: str, unit: str, legend: list[tuple[str, str]], draw: Draw) -> None:
        self.summary = summary
        self._title = title
        self._unit = unit
        self._legend = legend
        self._draw = draw
        self._redraw()

    def _redraw(self) -> None:
        self._version += 1
        self.refresh()

    @staticmethod
    def _value_axis(
        plt: Plot, area: Area, low: float, high: float, *, zoomed: bool = False, whole: bool = False
    ) -> list[float]:
        """Round ticks on the value axis, from 0 (or, zoomed, from about the data's lowest)."""
        ticks = nice_ticks(low if zoomed else min(0.0, low), high, area.ticks_for(), whole=whole)
        plt.ylim(ticks[0], ticks[-1])
        plt.yticks(ticks, tick_labels(ticks))
        return ticks

    # -- the charts -----------------------------------------------------------------------------

    def bars(
        self,
        labels: Sequence[str],
        series: Mapping[str, Sequence[float]],
        *,
        title: str,
        unit: str = "",
        max_ticks: int = 8,
    ) -> None:
        """Bars per label, one series per model, stacked (the first series at the bottom); every
        label's bar is drawn, about `max_ticks` of the labels are written under them."""
        names = list(series)
        positions = [float(x) for x in range(len(labels))]
        step = max(1, -(-len(labels) // max_ticks))

        def draw(plt: Plot, area: Area) -> None:
            colours = self._assign(names)
            # Stacked by drawing each running total over the next, tallest first: plotext's own
            # stacked_bar mis-draws zero-height segments.
            totals: list[list[float]] = []
            running = [0.0] * len(labels)
            for name in names:
                running = [a + b for a, b in zip(running, series[name], strict=True)]
                totals.append(running)
            self._value_axis(plt, area, 0.0, max(running, default=0.0))
            for index in reversed(range(len(names))):
                _bars(plt, positions, totals[index], colours[index], 0.7)
            plt.xlim(-0.5, len(labels) - 0.5)  # each bar in the middle of its slot, under its label
            plt.xticks(positions[::step], [plain(label) for label in labels[::step]])

        self._show(f"{title}: {', '.join(names)}", title, unit, [(BLOCK, n) for n in names], draw)

    def lines(
        self,
        series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
        *,
        title: str,
        unit: str = "",
        xlabel: str = "",
        xticks: tuple[Sequence[float], Sequence[str]] | None = None,
        marks: Sequence[tuple[float, str]] = (),
        zoomed: bool = False,
    ) -> None:
        """A smooth line with its points marked, per series; a vertical line at each mark."""
        names = list(series)
        every_y = [y for _xs, ys in series.values() for y in ys]
        every_x = [x for xs, _ys in series.values() for x in xs]
        if zoomed and every_y:
            title = f"{title} · zoomed: the axis starts near {min(every_y):.4g}, not 0"

        def draw(plt: Plot, area: Area) -> None:
            colours = self._assign(names)
            if xlabel:
                plt.xlabel(plain(xlabel))
                area = Area(area.width, area.height - 1)  # its row is under the tick labels
            if every_y:
                self._value_axis(plt, area, min(every_y), max(every_y), zoomed=zoomed)
            if every_x:
                low, high = min(every_x), max(every_x)
                pad = (high - low) * 0.04 or 0.5  # the end points clear of the frame
                plt.xlim(low - pad, high + pad)
            for name, colour in zip(names, colours, strict=True):
                xs, ys = list(series[name][0]), list(series[name][1])
                plt.plot(xs, ys, color=colour, marker=LINE_MARKER)
                plt.scatter(xs, ys, color=colour, marker=POINT if len(xs) <= 16 else "•")
            for x, name in marks:
                plt.vline(x, self._colours.get(name, "default"))
            if xticks is not None:
                plt.xticks(list(xticks[0]), [plain(label) for label in xticks[1]])

        self._show(f"{title}: {', '.join(names)}", title, unit, [(LINE, n) for n in names], draw)

    def scatter(
        self,
        series: Mapping[str, Sequence[tuple[float, float, str]]],
        *,
        title: str,
        unit: str = "",
        xlabel: str = "",
    ) -> None:
        """Points (x, y) with a label each, a colour per series; both axes from 0."""
        names = list(series)
        points = [point for found in series.values() for point in found]

        def draw(plt: Plot, area: Area) -> None:
            colours = self._assign(names)
            if xlabel:
                plt.xlabel(plain(xlabel))
                area = Area(area.width, area.height - 1)  # its row is under the tick labels
            yt = self._value_axis(plt, area, 0.0, max((p[1] for p in points), default=1.0))
            xt = nice_ticks(0.0, max((p[0] for p in points), default=1.0), max(2, min(8, area.width // 10)))
            plt.xlim(xt[0], xt[-1])
            plt.xticks(xt, tick_labels(xt))
            grid = _Grid(area.width - max(len(t) for t in tick_labels(yt)) - 2, area.rows, xt, yt)
            for x, y, _label in points:
                grid.take(*grid.cell(x, y), 1)
            for name, colour in zip(names, colours, strict=True):
                found = series[name]
                plt.scatter([p[0] for p in found], [p[1] for p in found], color=colour, marker=POINT)
                for x, y, label in found:
                    place = grid.place(x, y, plain(label))
                    if place is not None:
                        plt.text(
                            plain(label), *place, color=colour, background=self._canvas(), alignment="left"
                        )

        summary = f"{title}: {', '.join(f'{n} ({len(series[n])})' for n in names)}"
        self._show(summary, title, unit, [(POINT, n) for n in names], draw)

    def histogram(self, labels: Sequence[str], counts: Sequence[int], *, title: str, unit: str = "") -> None:
        """One bar per bucket, centred on its label."""
        shown = [plain(label) for label in labels]
        positions = [float(x) for x in range(len(labels))]

        def draw(plt: Plot, area: Area) -> None:
            colour = self._assign(["counts"])[0]  # one series: the theme's primary
            self._value_axis(plt, area, 0.0, float(max(counts, default=0)), whole=True)
            # Numeric positions and explicit ticks: given the labels themselves, plotext places them
            # in an order that changes from run to run (a set of strings), and drops some. The limits
            # half a slot beyond the first and last bar put each bar's middle over its label.
            _bars(plt, positions, [float(c) for c in counts], colour, 0.6)
            plt.xlim(-0.5, len(labels) - 0.5)
            plt.xticks(positions, shown)

        self._show(title, title, unit, [], draw)

    def message(self, text: str) -> None:
        """No data to draw: the text over empty axes."""

        def draw(plt: Plot, area: Area) -> None:
            pass  # the title row says it

        self._show(text, text, "", [], draw)


def _bars(
    plt: Plot, positions: Sequence[float], heights: Sequence[float], colour: PlotColour, width: float
) -> None:
    """A bar per non-zero height, each drawn alone: plotext draws a zero-height bar as a block part
    way up the axis (a day without turns showed tokens), and scales a bar's width by the spacing of
    the positions it is given in one call, so gaps would widen the rest."""
    for x, height in zip(positions, heights, strict=True):
        if height > 0:
            plt.bar([x], [height], color=colour, width=width)


class _Grid:
    """Which character cells of the plot hold a point or a label: a label goes where it covers nothing."""

    def __init__(self, width: int, rows: int, xt: Sequence[float], yt: Sequence[float]) -> None:
        self.width, self.rows = max(1, width), max(1, rows)
        self.x0, self.x1, self.y0, self.y1 = xt[0], xt[-1], yt[0], yt[-1]
        self.used: set[tuple[int, int]] = set()

    def cell(self, x: float, y: float) -> tuple[int, int]:
        col = round((x - self.x0) / ((self.x1 - self.x0) or 1) * (self.width - 1))
        row = round((self.y1 - y) / ((self.y1 - self.y0) or 1) * (self.rows - 1))
        return row, col

    def take(self, row: int, col: int, length: int) -> None:
        self.used |= {(row, c) for c in range(col, col + length)}

    def place(self, x: float, y: float, label: str) -> tuple[float, float] | None:
        """Where the label starts in data units (right of its point, else left, above, below), or None."""
        row, col = self.cell(x, y)
        length = len(label)
        for r, c in ((row, col + 2), (row, col - length - 1), (row - 1, col), (row + 1, col)):
            cells = {(r, k) for k in range(c - 1, c + length + 1)}  # a blank on each side
            if 0 <= r < self.rows and c >= 0 and c + length <= self.width and not cells & self.used:
                self.take(r, c - 1, length + 2)
                return (
                    self.x0 + c / (self.width - 1 or 1) * (self.x1 - self.x0),
                    self.y1 - r / (self.rows - 1 or 1) * (self.y1 - self.y0),
                )
        return None
