"""The multi-line prompt box. Enter sends; Ctrl+J (and Shift/Alt+Enter where the terminal reports
them) inserts a newline. Ctrl+J is a plain line feed, so it works in every terminal and over SSH."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input, TextArea


class PromptInput(TextArea):
    """TextArea that posts `Submitted` on Enter and never sends an empty prompt."""

    DEFAULT_CSS = """
    PromptInput { height: auto; min-height: 3; max-height: 12; border: tall $primary 40%; }
    PromptInput:focus { border: tall $primary; }
    """

    BINDINGS = [
        Binding("ctrl+j,shift+enter,alt+enter", "newline", "Newline", id="prompt-newline", show=True),
    ]

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a non-blank prompt; `text` without its leading and trailing blank
        lines (`trim_blank_lines`)."""

        input: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.input

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        # A steady cursor: blinking repaints the prompt line twice a second, forever, which was most
        # of what an idle glmtui wrote to the terminal (~450 bytes/s, a lot over SSH) and a frame
        # competing with every streamed one.
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder,
            compact=True,
        )
        self.cursor_blink = False
        self.key_filter: Callable[[str], bool] | None = None
        """Asked first with each key (the chat's `@path` completion list): True when it took the key."""

    async def _on_key(self, event: events.Key) -> None:
        if self.key_filter is not None and self.key_filter(event.key):
            event.stop()
            event.prevent_default()
            return
        if event.key in self._newline_keys():
            # Inserted here, not through the binding's action: actions run later than keys are
            # handled, so a burst like "a" Ctrl+J "b" (pasted, or batched over SSH) came out "ab\n".
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = trim_blank_lines(self.text)
            if text:
                self.post_message(self.Submitted(self, text))
            else:
                self.app.bell()  # nothing to send
            return
        await super()._on_key(event)

    def render_line(self, y: int) -> Strip:
        # Textual wraps the placeholder to the content width, and Rich's wrap raises on a width of 0,
        # which a layout pass of a narrow terminal gives the box (seen at 40-41 columns: the app died
        # at start-up). An empty line then; the next pass has the width and draws the placeholder.
        if self.content_size.width < 1 and not self.text:
            return Strip.blank(self.size.width)
        return super().render_line(y)

    def _newline_keys(self) -> set[str]:
        """The keys bound to `newline` now (the defaults, or the user's [keymap])."""
        return {
            key
            for key, bindings in self._bindings.key_to_bindings.items()
            if any(binding.action == "newline" for binding in bindings)
        }

    def action_newline(self) -> None:
        self.insert("\n")


def trim_blank_lines(text: str) -> str:
    """`text` without the blank (or whitespace-only) lines before its first and after its last line of
    text: keys pressed before the first frame arrive as newlines, and a stray Ctrl+J is easy. Blank
    lines inside and the first line's indentation (code) are kept. All blank: ""."""
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return "\n".join(lines[filled[0] : filled[-1] + 1]) if filled else ""


class SteadyInput(Input):
    """A one-line input whose cursor does not blink, like the prompt's: a blinking cursor is most of
    what an idle app writes to the terminal (costly over SSH), and screenshots come out the same."""

    def on_mount(self) -> None:
        self.cursor_blink = False
