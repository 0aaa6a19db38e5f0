"""RenameScreen: one line of text to rename a conversation (Enter keeps it, Esc cancels)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from glmtui.widgets.prompt_input import SteadyInput


class RenameScreen(ModalScreen[str | None]):
    """One line of text: Enter keeps it, Esc cancels."""

    DEFAULT_CSS = """
    RenameScreen { align: center middle; }
    RenameScreen > Vertical { width: 70; max-width: 95%; height: auto; padding: 1 2; border: thick $primary;
                              background: $surface; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="rename-cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Rename the conversation (Enter keeps it, Esc cancels)", style="bold"))
            yield SteadyInput(self._title, id="rename-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
