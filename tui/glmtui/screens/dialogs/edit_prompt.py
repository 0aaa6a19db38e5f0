"""Pick a prompt of the visible branch to edit (Alt+E in the chat): its text goes into the prompt box
and Enter sends it as a new branch beside it."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from glmtui.core.sanitize import sanitize

PREVIEW = 70  # characters of each prompt in the list


class EditPromptScreen(ModalScreen[int | None]):
    """The branch's prompts, newest highlighted. Enter picks one (its index), Esc cancels (None)."""

    DEFAULT_CSS = """
    EditPromptScreen { align: center middle; }
    EditPromptScreen > Vertical { width: 84; max-width: 95%; height: auto; max-height: 80%; padding: 1 2;
                                  border: thick $primary; background: $surface; }
    EditPromptScreen OptionList { height: auto; max-height: 16; min-height: 3; margin-top: 1; }
    EditPromptScreen .edit-prompt-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="edit-prompt-cancel")]

    def __init__(self, prompts: Sequence[str]) -> None:
        super().__init__()
        self._options = []
        for number, prompt in enumerate(prompts, 1):
            first = " ".join(sanitize(prompt).split())  # a prompt is user text: a Text, never markup
            shown = first if len(first) <= PREVIEW else first[: PREVIEW - 1] + "…"
            label = Text(f"{number:>3}. ", style="bold")
            label.append(shown)
            self._options.append(Option(label))

    def compose(self) -> ComposeResult:
        with Vertical():
            # A short title and the list first, the explanation under it: in a small terminal the
            # explanation is what gets cut, never the prompts to pick from.
            yield Static(Text("Edit which prompt?", style="bold"))
            yield OptionList(*self._options, id="edit-prompt-options")
            hint = "Enter edits it: a new branch from there, the old one kept. Esc cancels."
            yield Static(Text(hint), classes="edit-prompt-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = len(self._options) - 1
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
