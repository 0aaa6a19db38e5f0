"""LinesPanel: a titled block of text lines that repaints only the lines that changed.

The monitor updates every second; a panel that repainted whole would write its full area to the
terminal each time (a lot over SSH). This one keeps the lines it last drew, diffs new ones against
them, and refreshes only the regions that differ, so an idle sidebar with steady readings writes
nothing at all.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class LinesPanel(Widget):
    """Subclasses implement `build(width)`; call `rebuild()` when their data changes."""

    DEFAULT_CSS = """
    LinesPanel { height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[Text] = []
        self._strips: list[Strip | None] = []

    def build(self, width: int) -> list[Text]:  # pragma: no cover - abstract
        raise NotImplementedError

    def colour(self, name: str, fallback: str = "") -> str:
        """A theme variable's colour (e.g. `meter-warn`), for styles built in Python."""
        return self.app.theme_variables.get(name, fallback)

    @property
    def cached_strips(self) -> tuple[Strip | None, ...]:
        """Each line as last drawn, None where it changed and is to be drawn afresh."""
        return tuple(self._strips)

    def rebuild(self) -> None:
        width = self.content_region.width
        if not width or not self.is_mounted:
            return
        lines = self.build(width)
        old = self._lines
        if len(lines) != len(old):
            self._lines, self._strips = lines, [None] * len(lines)
            self.refresh(layout=True)
            return
        changed = [y for y, (a, b) in enumerate(zip(old, lines, strict=False)) if a != b]
        if not changed:
            return
        self._lines = lines
        for y in changed:
            self._strips[y] = None
            # Regions are relative to the widget's outer box: the whole row, padding included.
            self.refresh(Region(0, y + self.styles.padding.top, self.outer_size.width, 1))

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self._restyle(), init=False)

    def _restyle(self) -> None:
        self._lines = []
        self.rebuild()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._lines = []
        self.rebuild()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        # y and the width are the content area's: Textual adds the padding around it.
        width = self.size.width
        if y >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = self._strips[y]
        if strip is None:
            base = self.rich_style  # only for lines not drawn yet: it walks the ancestors' backgrounds
            segments = Segment.apply_style(self._lines[y].render(self.app.console), base)
            strip = Strip(Segment.adjust_line_length(list(segments), width, style=base), width)
            self._strips[y] = strip
        return strip
