"""LiveView: text that grows while a reply streams, drawn from pre-rendered lines.

Two costs dominate streaming in Textual: rendering (a Static renders its content twice per update:
once to measure, once to draw) and layout (a height change marks the widget, its parents and its
siblings dirty, and mounting a widget re-arranges the screen). LiveView keeps a frozen head of
already-rendered lines plus a tail re-rendered on each flush, draws them through the line API, and
grows in steps of half a screen, so most flushes repaint only the lines that changed and a layout
(with the log jumping half a screen) happens once per step: the reply grows into blank space
reserved below it, as web chat UIs do, instead of scrolling the whole screen line by line.
"""

from __future__ import annotations

import math

from rich.console import RenderableType
from rich.segment import Segment
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class LiveView(Widget):
    """Frozen renderables followed by one live renderable, sized in steps of `step` lines."""

    DEFAULT_CSS = """
    LiveView { height: 0; }
    """
    MIN_STEP = 8

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._frozen: list[RenderableType] = []  # kept to re-render when the width changes
        self._head: list[Strip] = []
        self._tail_renderable: RenderableType | None = None
        self._tail: list[Strip] = []
        self._rows = 0
        self._width = 0
        # What the screen shows: head[:_drawn_from] as frozen, then _drawn (the tail as last drawn).
        self._drawn_from = 0
        self._drawn: list[Strip] = []
        self._blank: tuple[tuple[int, str], Strip] | None = None
        self._complete = False  # settle(): sized to its text, no rows reserved (not a subclass's name)

    # -- content ---------------------------------------------------------------------------------------
    def freeze(self, renderable: RenderableType) -> None:
        """Append a finished piece: rendered once, never again (unless the width changes)."""
        self._frozen.append(renderable)
        if self._width:
            self._head.extend(self._render_strips(renderable))

    def set_tail(self, renderable: RenderableType | None) -> None:
        """Replace the live part and update the screen (a layout only if a new step is needed)."""
        start, drawn = self._drawn_from, self._drawn
        self._tail_renderable = renderable
        self._tail = self._render_strips(renderable) if renderable is not None and self._width else []
        # Repaint from the first line that differs from what is on screen, not the whole widget: a
        # long reply's frozen lines above the tail never need sending again. Lines frozen since the
        # last draw were drawn as (part of) the tail, so they are compared like any other line.
        lines = [*self._head[start:], *self._tail]
        same = next(
            (i for i, (a, b) in enumerate(zip(drawn, lines, strict=False)) if a != b),
            min(len(drawn), len(lines)),
        )
        self._drawn_from, self._drawn = len(self._head), self._tail
        # Up to the last line that had or has text: the reserved rows below were blank and still are.
        self._fit(start + same, start + max(len(drawn), len(lines)))

    def settle(self) -> None:
        """The text is complete: drop the blank rows reserved for growth (a reopened thinking trace
        would otherwise show half a screen of nothing under its last line)."""
        self._complete = True
        self._fit()

    @property
    def step(self) -> int:
        """Lines added per resize: half the terminal's height, at least MIN_STEP."""
        return max(self.MIN_STEP, self.app.size.height // 2)

    @property
    def frozen_count(self) -> int:
        """How many finished pieces have been frozen (rendered once, kept above the live tail)."""
        return len(self._frozen)

    @property
    def line_count(self) -> int:
        return len(self._head) + len(self._tail)

    # -- rendering -------------------------------------------------------------------------------------
    def _render_strips(self, renderable: RenderableType) -> list[Strip]:
        app = self.app
        style = self.rich_style
        options = app.console_options.update(highlight=False, width=self._width, height=None)
        segments = app.console.render(self.post_render(renderable, style), options)
        # Padded to the full width here, once, so render_line hands strips out as they are: reading
        # rich_style there (it walks the ancestors' backgrounds) was ~1 % of a core while streaming.
        lines = Segment.split_and_crop_lines(segments, self._width, style=style, include_new_lines=False)
        return [Strip(line, self._width) for line in lines]

    def _fit(self, changed_from: int = 0, changed_to: int | None = None) -> None:
        if not self._width:
            # Not laid out yet: take one step of room; on_resize renders at the real width.
            rows = self.step if (self._frozen or self._tail_renderable is not None) else 0
        elif self._complete:
            rows = self.line_count  # finished: exactly its text, no room kept for more
        else:
            step = self.step
            rows = math.ceil(self.line_count / step) * step
        if rows != self._rows:
            self._rows = rows
            self.styles.height = rows  # a layout pass, once per step
        else:
            # Only the changed lines of this widget's own region.
            end = rows if changed_to is None else min(rows, changed_to)
            if changed_from < end:
                self.refresh(Region(0, changed_from, self.size.width, end - changed_from))

    def on_resize(self, event: events.Resize) -> None:
        width = self.content_region.width
        if width and width != self._width:
            self._width = width
            self._head = [strip for renderable in self._frozen for strip in self._render_strips(renderable)]
            self._drawn_from, self._drawn = 0, []
            self.set_tail(self._tail_renderable)
            self.refresh()

    def render_line(self, y: int) -> Strip:
        head = self._head
        if y < len(head):
            return head[y]
        if y - len(head) < len(self._tail):
            return self._tail[y - len(head)]
        # The rows reserved below the text: one cached blank strip (rich_style walks the ancestors).
        key = (self.content_region.width, self.app.theme)
        if self._blank is None or self._blank[0] != key:
            self._blank = (key, Strip.blank(key[0], self.rich_style))
        return self._blank[1]
