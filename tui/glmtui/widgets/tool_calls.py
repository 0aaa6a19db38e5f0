"""A reply's tool calls under its answer: one collapsible block each, never run.

Collapsed it reads `⚙ tool call: get_weather(city="Paris") · not run`; expanded it shows the arguments
pretty-printed. Function names and arguments are the model's text: shown as plain `Content`/`Text`,
never as markup (a name like `[bold]x` shows as written), and already sanitised (`core/tool_calls.py`).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Collapsible, Static

from glmtui.core.state import ToolCall
from glmtui.core.tool_calls import pretty_arguments, summary

NOT_RUN = "glmtui shows tool calls; it does not run them, so no result went back to the model."


def call_title(call: ToolCall) -> Content:
    """The collapsed line: what was called with what, and that it was not run."""
    return Content(f"⚙ tool call: {summary(call)} · not run")


class ToolCallView(Collapsible):
    """One call: its summary as the title, its arguments (and the call id) inside."""

    DEFAULT_CSS = """
    ToolCallView { margin: 0; padding: 0; border: none; background: transparent; }
    ToolCallView > Contents { padding: 0 0 0 2; }
    ToolCallView CollapsibleTitle { color: $text-muted; padding: 0; }
    ToolCallView .tool-call-arguments { color: $text; }
    ToolCallView .tool-call-note { color: $text-muted; text-style: italic; }
    """

    def __init__(self, call: ToolCall) -> None:
        self.call = call
        note = NOT_RUN + (f" Call id: {call.id}." if call.id else "")
        super().__init__(
            Static(Text(pretty_arguments(call)), classes="tool-call-arguments", markup=False),
            Static(Text(note), classes="tool-call-note", markup=False),
            # A str title is parsed as markup (Content.from_text); a Content is taken as it is. Textual
            # types the parameter as str, though CollapsibleTitle takes any ContentText.
            title=call_title(call),  # type: ignore[arg-type]
            collapsed=True,
        )


class ToolCallsView(Vertical):
    """Every tool call of one reply, in the order the model made them."""

    DEFAULT_CSS = """
    ToolCallsView { height: auto; margin: 0; }
    """

    def __init__(self, calls: tuple[ToolCall, ...]) -> None:
        super().__init__(classes="reply-tool-calls")
        self.calls = calls

    def compose(self) -> ComposeResult:
        for call in self.calls:
            yield ToolCallView(call)
