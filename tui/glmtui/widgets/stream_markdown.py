"""Markdown that grows as tokens arrive, at a cost that does not grow with the reply.

Textual's Markdown widget is a tree of block widgets that is re-arranged and re-measured on every
append (~100 ms a flush for a long reply on a small machine). Here each complete block (up to a blank
line outside a code fence) is rendered once and frozen; only the tail still being written is
re-rendered on each flush, without syntax highlighting while its code fence is still open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from glmtui.core.markdown_blocks import settle_point, unhighlighted
from glmtui.widgets.live_view import LiveView

if TYPE_CHECKING:
    from rich.markdown import Markdown as RichMarkdown
    from textual.theme import Theme


def code_theme(theme: Theme) -> str:
    """Pygments style for code blocks: the terminal's own 16 colours under an ANSI theme."""
    if theme.ansi:
        return "ansi_dark" if theme.dark else "ansi_light"
    return "monokai" if theme.dark else "default"


def render_markdown(text: str, code_style: str) -> RichMarkdown:
    """Rich's Markdown renderer: Markdown syntax only (never Rich markup), links not clickable."""
    from rich.markdown import Markdown as RichMarkdown

    return RichMarkdown(text, code_theme=code_style, hyperlinks=False)


class StreamingMarkdown(LiveView):
    """A LiveView fed with Markdown text."""

    def __init__(self) -> None:
        super().__init__()
        self._text = ""
        self._settled = 0

    @property
    def source(self) -> str:
        return self._text

    def append(self, chunk: str) -> None:
        """Add text: freeze any completed blocks, then re-render only the tail."""
        self._text += chunk
        style = code_theme(self.app.current_theme)
        point = settle_point(self._text, self._settled)
        if point > self._settled:
            block = self._text[self._settled : point].strip("\n")
            self._settled = point
            if block:
                if self._frozen:
                    self.freeze(Text(""))  # the blank line Markdown puts between blocks
                self.freeze(render_markdown(block, style))
        tail = self._text[self._settled :]
        if not tail.strip():
            self.set_tail(None)
            return
        rendered = render_markdown(unhighlighted(tail), style)
        self.set_tail(Group(Text(""), rendered) if self._frozen else rendered)
