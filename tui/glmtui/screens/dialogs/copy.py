"""Copy a reply, or one of its code blocks, to the clipboard with OSC 52 (which works over SSH: the
terminal on your desk does the copying)."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

_FENCE_RE = re.compile(r"^(```+|~~~+)[ \t]*([^\n`]*)\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced code block, in order."""
    return [(match.group(2).strip(), match.group(3)) for match in _FENCE_RE.finditer(markdown)]


class CopyScreen(ModalScreen[None]):
    """Pick what to copy: the whole reply or a code block. Enter copies, Esc cancels."""

    DEFAULT_CSS = """
    CopyScreen { align: center middle; }
    CopyScreen > Vertical { width: 76; max-width: 95%; height: auto; max-height: 80%; padding: 1 2;
                            border: thick $primary; background: $surface; }
    CopyScreen OptionList { height: auto; max-height: 16; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="copy-cancel")]

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.choices: list[str] = [reply]
        options = [Option(Text(f"The whole reply ({len(reply):,} characters)"))]
        for number, (language, code) in enumerate(code_blocks(reply), 1):
            first = next((line.strip() for line in code.splitlines() if line.strip()), "")
            label = Text(f"Code block {number}: {language or 'text'}, {len(code.splitlines())} lines  ")
            label.append(first[:40], style="dim")  # model text: a Text, never markup
            options.append(Option(label))
            self.choices.append(code)
        self._options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Copy to the clipboard", style="bold"))
            yield OptionList(*self._options, id="copy-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        text = self.choices[event.option_index]
        self.app.copy_to_clipboard(text)
        self.app.notify(
            f"Copied {len(text):,} characters (OSC 52: the terminal must allow clipboard writes).", timeout=4
        )
        self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()
