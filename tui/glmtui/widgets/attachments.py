"""The attachments waiting to go with the next prompt, as chips above the prompt box (click one to remove
it), and the chips' line in a sent prompt. The text is data (a file name may be anything): never markup."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup, VerticalGroup
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static


class Chip(Static):
    """One attachment: its kind, name and size, and a ✕ (a click anywhere on it removes it)."""

    DEFAULT_CSS = """
    Chip { width: auto; max-width: 100%; height: 1; margin: 0 1 0 0; padding: 0 1; background: $boost;
           color: $text; text-wrap: nowrap; text-overflow: ellipsis; }
    Chip:hover { background: $error 30%; }
    """

    class Remove(Message):
        """The user clicked a chip: take its attachment off the prompt."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, label: str, index: int) -> None:
        super().__init__(Text(f"{label}  ✕"), markup=False)
        self.index = index
        self.tooltip = "Click to remove this attachment"

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Remove(self.index))


class AttachmentChips(VerticalGroup):
    """The chips of the attachments waiting for the next prompt (hidden while there are none), in rows
    that wrap at the box's width: Textual has no wrapping layout, and one horizontal row put the chips
    past the width off-screen, out of reach of the click that removes them."""

    DEFAULT_CSS = """
    AttachmentChips { height: auto; margin: 0 1; display: none; }
    AttachmentChips.-some { display: block; }
    AttachmentChips > HorizontalGroup { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels: tuple[str, ...] = ()
        """The chips shown now, in order (what tests and the screen read)."""
        self._rows: list[list[int]] = []  # the chips' indices, row by row, as mounted

    def compose(self) -> ComposeResult:
        yield from ()

    async def show(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        await self._flow(force=True)

    async def on_resize(self) -> None:
        await self._flow()

    def _width(self) -> int:
        """The width the rows wrap at: this widget's own, or (hidden until now: no size yet) its
        parent's less this widget's side margins."""
        if self.size.width:
            return self.size.width
        parent = self.parent
        outer = parent.size.width if isinstance(parent, Widget) else self.app.size.width
        return max(1, outer - self.styles.margin.width)

    async def _flow(self, *, force: bool = False) -> None:
        rows = wrap_rows([chip_width(label) for label in self.labels], self._width())
        if rows == self._rows and not force:
            return
        self._rows = rows
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(
                HorizontalGroup(*(Chip(self.labels[index], index) for index in row)) for row in rows
            )
            self.set_class(bool(self.labels), "-some")


CHIP_EXTRA = 2 + 2 + 1
"""Cells a chip takes besides its label: "  ✕"'s two spaces (its ✕ is counted with the label), padding
on both sides, and the margin after it (Chip's CSS)."""


def chip_width(label: str) -> int:
    """The cells one chip takes in its row."""
    return cell_len(f"{label}✕") + CHIP_EXTRA


def wrap_rows(widths: Sequence[int], width: int) -> list[list[int]]:
    """The indices of items of these widths in rows of at most `width` cells, in order; an item wider
    than a row gets a row of its own (the chip is cut there, still clickable)."""
    rows: list[list[int]] = []
    used = width + 1  # no row yet
    for index, item in enumerate(widths):
        if used + item > width:
            rows.append([])
            used = 0
        rows[-1].append(index)
        used += item
    return rows


def chips_line(labels: Sequence[str]) -> Text:
    """A sent prompt's attachments, one line above its text."""
    line = Text()
    for label in labels:
        if line:
            line.append("  ")
        line.append(f"[{label}]", style="bold")
    return line
