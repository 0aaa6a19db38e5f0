"""The scrolling chat log: anchored to the bottom only while the user is there.

Only a window of recent turns stays mounted, so a 50-turn or 500-turn chat costs what a 30-turn one
does; the conversation itself (the `Conversation` object, later the database) keeps every turn.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.geometry import Offset
from textual.widget import Widget
from textual.widgets import Static

MOUNTED_TURNS = 30
FIRST_SHOWN = 4  # a resumed chat shows its last turns at once, the rest of the window right after


class ChatLog(VerticalScroll):
    """A `layout: stream` scroll of UserMessage/ReplyView pairs."""

    DEFAULT_CSS = """
    ChatLog { layout: stream; height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    ChatLog > .log-hidden { color: $text-muted; text-align: center; }
    ChatLog > .log-notice { color: $text-muted; padding: 1 2; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._hidden_turns = 0
        self._hidden_label: Static | None = None
        self._pairs: list[tuple[Widget, Widget]] = []

    def on_mount(self) -> None:
        self.anchor()

    @property
    def scroll_offset(self) -> Offset:
        # Textual 8.2's compositor keeps an anchored container at `content bottom - viewport height`
        # through `set_reactive`, unclamped: while the chat is shorter than the pane that is negative
        # and the turns sit at the pane's bottom; once anything releases the anchor (opening a trace
        # scrolls it into view) they jump to the top, and a re-anchor on idle sends them back. A short
        # chat reads from the top, always.
        offset = super().scroll_offset
        return offset if offset.y >= 0 else Offset(offset.x, 0)

    async def add_turn(self, user: Widget, reply: Widget) -> None:
        """Mount a new turn at the bottom, unmounting the oldest beyond the window."""
        self._pairs.append((user, reply))
        await self.mount_all([user, reply])
        if len(self._pairs) > MOUNTED_TURNS:
            old_user, old_reply = self._pairs.pop(0)
            self._hidden_turns += 1
            await self.remove_children([old_user, old_reply])
            await self._update_hidden_label()

    async def _update_hidden_label(self) -> None:
        text = Text(f"⋯ {self._hidden_turns} earlier turn(s) not shown ⋯")
        if self._hidden_label is None:
            self._hidden_label = Static(text, classes="log-hidden")
            await self.mount(self._hidden_label, before=0)
        else:
            self._hidden_label.update(text)

    async def add_error(self, message: str, hint: str = "") -> None:
        """A failure in the flow of the chat: it stays where it happened, with what to do next."""
        text = Text()
        text.append("✗ ", style="bold red")
        text.append(message, style="bold")
        if hint:
            text.append(f"\n  {hint}")
        await self.add_notice(text)

    async def load_turns(self, pairs: list[tuple[Widget, Widget]], earlier: int) -> None:
        """Show a saved conversation: only its last MOUNTED_TURNS turns are mounted (a 500-turn one
        opens as fast as a 30-turn one), with a line saying how many came before."""
        await self.clear_turns()
        keep = pairs[-MOUNTED_TURNS:]
        self._hidden_turns = earlier + len(pairs) - len(keep)
        self._pairs = list(keep)
        # The last few turns first (what the screen shows), the rest once that frame is out: each
        # saved reply is a full Markdown render, and thirty of them delayed the first view by ~0.5 s.
        first, rest = keep[-FIRST_SHOWN:], keep[:-FIRST_SHOWN]
        await self.mount_all([widget for pair in first for widget in pair])
        self.anchor()
        self.call_after_refresh(self.scroll_end, animate=False)  # the last reply and its figures in view
        if rest:
            self.call_after_refresh(self._mount_earlier, rest)
        elif self._hidden_turns:
            await self._update_hidden_label()

    async def _mount_earlier(self, pairs: list[tuple[Widget, Widget]]) -> None:
        if not self.is_attached or not self._pairs or self._pairs[len(pairs) - 1] is not pairs[-1]:
            return  # cleared or replaced meanwhile
        widgets = [widget for pair in pairs for widget in pair]
        await self.mount_all(widgets, before=self._pairs[len(pairs)][0])
        if self._hidden_turns:
            await self._update_hidden_label()
        self.call_after_refresh(self.scroll_end, animate=False)

    async def cut_turns(self, keep: int) -> bool:
        """Keep the conversation's first `keep` turns on screen and remove every widget after them (the
        turns of a branch no longer shown, and the notices under them). False when the cut falls
        above the mounted window: the caller shows the conversation again instead."""
        kept = keep - self._hidden_turns
        if kept < 0:
            return False
        if kept >= len(self._pairs):
            return True
        last = self._pairs[kept - 1][1] if kept else self._hidden_label
        children = list(self.children)
        if last is not None and last not in children:
            return False  # not mounted yet (a window still being shown): shown afresh instead
        start = children.index(last) + 1 if last is not None else 0
        del self._pairs[kept:]
        await self.remove_children(children[start:])
        return True

    async def add_notice(self, text: str | Text) -> None:
        """A line of app information (not model output) in the flow of the chat."""
        await self.mount(Static(text if isinstance(text, Text) else Text(text), classes="log-notice"))

    async def clear_turns(self) -> None:
        self._pairs.clear()
        self._hidden_turns = 0
        self._hidden_label = None
        await self.remove_children()

    @property
    def mounted_turns(self) -> int:
        return len(self._pairs)
