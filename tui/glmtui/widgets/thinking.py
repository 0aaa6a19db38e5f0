"""The model's thinking trace: a collapsible section above the answer.

It streams open while the model thinks, collapses when the answer starts, and keeps a title like
`thought for 4.2 s · 812 tokens` so the user can reopen it.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Collapsible

from glmtui.core.units import tenths
from glmtui.widgets.live_view import LiveView


class ThinkingView(Collapsible):
    """Collapsible thinking trace; text is plain (never markup) and updated in batches."""

    DEFAULT_CSS = """
    ThinkingView {
        margin: 0 0 0 0;
        padding: 0;
        border: none;
        background: transparent;
    }
    ThinkingView > Contents { padding: 0 0 0 2; }
    ThinkingView .thinking-text { color: $thinking-color; text-style: italic; }
    ThinkingView CollapsibleTitle { color: $thinking-color; padding: 0; }
    """

    def __init__(self) -> None:
        self._text = LiveView(classes="thinking-text")
        self._finished = False  # streaming opens the section itself; that must not scroll
        super().__init__(self._text, title="thinking…", collapsed=False)

    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        # Reopening a trace means "let me read it": bring its start into view. Left alone, an
        # anchored chat log keeps its bottom pinned and the trace grows above, off screen.
        if event.collapsible is self and self._finished:
            self.call_after_refresh(self.scroll_visible, top=True, animate=False)

    def show_text(self, text: str) -> None:
        self._text.set_tail(Text(text))

    def finish(self, seconds: float | None, tokens: int, still_thinking: bool = False) -> None:
        """Collapse and summarise. `still_thinking`: the reply ended before any answer arrived."""
        duration = tenths(seconds) if seconds is not None else "?"
        prefix = "thinking stopped after" if still_thinking else "thought for"
        self.title = f"{prefix} {duration} · {tokens} tokens"
        self._finished = True
        self._text.settle()
        self.collapsed = True
