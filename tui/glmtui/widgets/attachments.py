"""The attachments waiting to go with the next prompt, as chips above the prompt box (click one to remove
it), and the chips' line in a sent prompt. The text is data (a file name may be anything): never markup."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Static


class Chip(Static):
    """One attachment: its kind, name and size, and a ✕ (a click anywhere on it removes it)."""

    DEFAULT_CSS = """
    Chip { width: auto; height: 1; margin: 0 1 0 0; padding: 0 1; background: $boost; color: $text; }
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


class AttachmentChips(HorizontalGroup):
    """The chips of the attachments waiting for the next prompt (hidden while there are none)."""

    DEFAULT_CSS = """
    AttachmentChips { height: auto; margin: 0 1; display: none; }
    AttachmentChips.-some { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels: tuple[str, ...] = ()
        """The chips shown now, in order (what tests and the screen read)."""

    def compose(self) -> ComposeResult:
        yield from ()

    async def show(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(Chip(label, index) for index, label in enumerate(self.labels))
            self.set_class(bool(self.labels), "-some")


def chips_line(labels: Sequence[str]) -> Text:
    """A sent prompt's attachments, one line above its text."""
    line = Text()
    for label in labels:
        if line:
            line.append("  ")
        line.append(f"[{label}]", style="bold")
    return line
