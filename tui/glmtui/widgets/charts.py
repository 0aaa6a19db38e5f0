"""Charts in the theme's colours: a thin, documented layer over textual-plotext's `PlotextPlot`.

`Chart` is a widget; give it data with one of its methods and it draws (again on a theme change, in
the new theme's colours). Names and labels are plain text: they are sanitised here (plotext's output
is read back with `Text.from_ansi`, so an escape sequence in a model's name would otherwise act), and
nothing is ever read as markup.

    chart.bars(labels, {"model-a": [..], "model-b": [..]}, title=..., ylabel=..., max_ticks=8)
        One bar per label, several series stacked; about max_ticks labels written under them.
    chart.lines({"model-a": (xs, ys), ...}, title=..., ylabel=..., xticks=(positions, labels),
                marks=[(x, "model-a"), ...])
        A line with points per series; `marks` draws a vertical line at x in that series' colour.
    chart.histogram(labels, counts, title=..., ylabel=...)
        One bar per bucket, in the theme's primary colour.
    chart.message(text)
        No data: the text as the chart's title over empty axes.

Series take the theme's colours in order (primary, secondary, success, accent, error, user-color),
then repeat; `colour_of(name)` says which a series got (for a legend drawn elsewhere). On an ANSI
theme they are the terminal's own 16 colours, so its scheme decides what they look like.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from glmtui.core.sanitize import sanitize

PlotColour = str | tuple[int, int, int]
SERIES_VARIABLES = ("primary", "secondary", "success", "accent", "error", "user-color")
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


class Chart(PlotextPlot):
    """A plotext chart fed plain data; see the module's docstring for the API."""

    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._draw: Callable[[Plot], None] | None = None
        self._colours: dict[str, PlotColour] = {}
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
            rendered = super().render()
            assert isinstance(rendered, Text)
            self._drawn = (key, rendered)
        return self._drawn[1]

    def on_mount(self) -> None:
        # (PlotextPlot's own on_mount runs too: Textual calls each class's handler.)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())

    # -- colours --------------------------------------------------------------------------------

    def palette(self) -> list[PlotColour]:
        """The theme's series colours, in order."""
        variables = self.app.theme_variables
        return [plot_colour(variables[name]) for name in SERIES_VARIABLES if name in variables]

    def colour_of(self, name: str) -> PlotColour | None:
        """The colour the last drawing gave the series `name` (None if it had no such series)."""
        return self._colours.get(name)

    def _assign(self, names: Sequence[str]) -> list[PlotColour]:
        palette = self.palette() or ["default"]
        self._colours = {name: palette[i % len(palette)] for i, name in enumerate(names)}
        return [self._colours[name] for name in names]

    # -- drawing --------------------------------------------------------------------------------

    def _show(self, summary: str, draw: Callable[[Plot], None]) -> None:
        self.summary = summary
        self._draw = draw
        self._redraw()

    def _redraw(self) -> None:
        self._version += 1
        plt = self.plt
        plt.clear_figure()
        if self._draw is not None:
            self._draw(plt)
        self.refresh()

    def bars(
        self,
        labels: Sequence[str],
        series: Mapping[str, Sequence[float]],
        *,
        title: str,
        ylabel: str = "",
        max_ticks: int = 8,
    ) -> None:
        """Bars per label, one series per model, stacked (the first series at the bottom); every
        label's bar is drawn, about `max_ticks` of the labels are written under them."""
        names = list(series)
        positions = list(range(len(labels)))
        step = max(1, -(-len(labels) // max_ticks))

        def draw(plt: Plot) -> None:
            colours = self._assign(names)
            plt.title(plain(title))
            plt.ylabel(plain(ylabel))
            # Stacked by drawing each running total over the next, tallest first: plotext's own
            # stacked_bar mis-draws zero-height segments.
            totals: list[list[float]] = []
            running = [0.0] * len(labels)
            for name in names:
                running = [a + b for a, b in zip(running, series[name], strict=True)]
                totals.append(running)
            for index in reversed(range(len(names))):
                plt.bar(positions, totals[index], color=colours[index], label=plain(names[index]), width=0.8)
            ticks: list[float] = [float(x) for x in positions[::step]]
            plt.xticks(ticks, [plain(label) for label in labels[::step]])

        self._show(f"{title}: {', '.join(names)}", draw)

    def lines(
        self,
        series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
        *,
        title: str,
        ylabel: str = "",
        xticks: tuple[Sequence[float], Sequence[str]] | None = None,
        marks: Sequence[tuple[float, str]] = (),
    ) -> None:
        """A line with points per series; a vertical line at each mark, in its series' colour."""
        names = list(series)

        def draw(plt: Plot) -> None:
            colours = self._assign(names)
            plt.title(plain(title))
            plt.ylabel(plain(ylabel))
            for name, colour in zip(names, colours, strict=True):
                xs, ys = series[name]
                plt.plot(list(xs), list(ys), color=colour, label=plain(name), marker="hd")
            for x, name in marks:
                plt.vline(x, self._colours.get(name, "default"))
            if xticks is not None:
                plt.xticks(list(xticks[0]), [plain(label) for label in xticks[1]])

        self._show(f"{title}: {', '.join(names)}", draw)

    def histogram(
        self, labels: Sequence[str], counts: Sequence[int], *, title: str, ylabel: str = ""
    ) -> None:
        """One bar per bucket."""
        shown = [plain(label) for label in labels]
        positions = [float(x) for x in range(len(labels))]

        def draw(plt: Plot) -> None:
            colour = self._assign(["counts"])[0]  # one series: the theme's primary
            plt.title(plain(title))
            plt.ylabel(plain(ylabel))
            # Numeric positions and explicit ticks: given the labels themselves, plotext places them
            # in an order that changes from run to run (a set of strings), and drops some.
            plt.bar(positions, list(counts), color=colour, width=0.8)
            plt.xticks(positions, shown)

        self._show(title, draw)

    def message(self, text: str) -> None:
        """No data to draw: the text over empty axes."""

        def draw(plt: Plot) -> None:
            plt.title(plain(text))

        self._show(text, draw)
