"""Markdown that grows as tokens arrive, at a cost that does not grow with the reply.

Textual's Markdown widget is a tree of block widgets that is re-arranged and re-measured on every
append (~100 ms a flush for a long reply on a small machine). Here, each complete block (up to a
blank line outside a code fence) is rendered once into a frozen Static, whose height Textual caches;
only the short tail still being written is re-rendered on each flush.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from glmtui.markdown_blocks import settle_point

if TYPE_CHECKING:
    from rich.markdown import Markdown as RichMarkdown


def render_markdown(text: str, dark: bool) -> RichMarkdown:
    """Rich's Markdown renderer: Markdown syntax only (never Rich markup), links not clickable."""
    from rich.markdown import Markdown as RichMarkdown

    return RichMarkdown(text, code_theme="monokai" if dark else "default", hyperlinks=False)


class StreamingMarkdown(Vertical):
    """Frozen block Statics followed by one live tail Static."""

    DEFAULT_CSS = """
    StreamingMarkdown { height: auto; layout: stream; }
    StreamingMarkdown > .md-block { margin: 0 0 1 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._text = ""
        self._settled = 0
        self._tail = Static("", classes="md-tail")

    def compose(self) -> ComposeResult:
        yield self._tail

    @property
    def source(self) -> str:
        return self._text

    async def append(self, chunk: str) -> None:
        """Add text: settle any completed blocks, then re-render only the tail."""
        self._text += chunk
        dark = self.app.current_theme.dark
        point = settle_point(self._text, self._settled)
        if point > self._settled:
            block = self._text[self._settled:point].strip("\n")
            self._settled = point
            if block:
                await self.mount(Static(render_markdown(block, dark), classes="md-block"), before=self._tail)
        tail = self._text[self._settled:]
        self._tail.update(render_markdown(tail, dark) if tail.strip() else "")
