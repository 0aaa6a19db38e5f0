"""A small yes/no dialog. The safe answer has the focus, so a stray Enter never deletes anything."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (confirmed) or False. `y`/`n` work as well as the buttons."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 90%; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    ConfirmScreen #confirm-text { margin-bottom: 1; }
    ConfirmScreen Horizontal { margin-top: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False, id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", show=False, id="confirm-no"),
    ]

    def __init__(
        self,
        message: Text,
        yes: str = "Yes",
        no: str = "Cancel",
        *,
        danger: bool = False,
        hint: str = "y confirms · n or Esc cancels",
    ) -> None:
        super().__init__()
        self._hint = hint
        self._message = message
        self._yes = yes
        self._no = no
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._message, id="confirm-text")
            yield Static(Text(self._hint, style="dim"))
            with Horizontal():
                yield Button(self._no, id="no")
                yield Button(self._yes, id="yes", variant="error" if self._danger else "primary")

    def on_mount(self) -> None:
        self.query_one("#no" if self._danger else "#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
