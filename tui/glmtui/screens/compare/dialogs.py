"""The compare screen's dialogs: the blind vote, one pane's think setting and options, a prompt set's file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from glmtui.screens.dialogs.options import DIALOG_CSS, PANE_OPTIONS, PaneOptionsScreen, parse_options
from glmtui.services.compare import Vote
from glmtui.services.prompt_sets import PromptSet, PromptSetError, read_prompt_set
from glmtui.widgets.prompt_input import SteadyInput

# The options dialog is the chat's too now (screens/dialogs/options.py): its names stay importable here.
__all__ = ["PANE_OPTIONS", "PaneOptionsScreen", "PromptSetScreen", "VoteScreen", "parse_options"]


class VoteScreen(ModalScreen[Vote | None]):
    """Which blind reply was better? `a`, `b` or `t` (tie); Esc decides later."""

    DEFAULT_CSS = DIALOG_CSS.format(name="VoteScreen")
    BINDINGS = [
        Binding("a", "vote('a')", "A", show=False, id="vote-a"),
        Binding("b", "vote('b')", "B", show=False, id="vote-b"),
        Binding("t,equals_sign", "vote('tie')", "Tie", show=False, id="vote-tie"),
        Binding("escape", "cancel", "Later", show=False, id="vote-later"),
    ]

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self._rounds = rounds

    def compose(self) -> ComposeResult:
        with Vertical():
            text = Text()
            text.append("Which side answered better?", style="bold")
            text.append(
                f"\nOver {self._rounds} round(s). Voting reveals both models; the vote is kept with the run."
            )
            yield Static(text, classes="dialog-text")
            with Horizontal():
                yield Button("A better (a)", id="a", variant="primary")
                yield Button("Tie (t)", id="tie")
                yield Button("B better (b)", id="b", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_vote(event.button.id or "tie")

    def action_vote(self, vote: str) -> None:
        self.dismiss(vote if vote in ("a", "b", "tie") else None)  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptSetScreen(ModalScreen[PromptSet | None]):
    """A prompt-set file's path. Enter reads it (a bad file: the reason, here); Esc cancels."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PromptSetScreen")
        + """
    PromptSetScreen Input { margin-bottom: 1; }
    PromptSetScreen #prompt-set-problem { color: $error; height: auto; }
    """
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="prompt-set-cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            text = Text()
            text.append("Run a prompt set", style="bold")
            text.append(
                "\nEach prompt goes to both models in a new blind run; vote after each (F6)."
                "\nPlain text: prompts separated by a line '---'.  .jsonl: one JSON string per line."
            )
            yield Static(text, classes="dialog-text")
            yield SteadyInput(placeholder="path to the file, e.g. ~/prompts.txt", id="prompt-set-path")
            yield Static(id="prompt-set-problem")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        raw = event.value.strip()
        problem = self.query_one("#prompt-set-problem", Static)
        if not raw:
            problem.update(Text("Type the path of a prompt-set file."))
            return
        try:
            prompts = await asyncio.to_thread(read_prompt_set, Path(raw).expanduser())
        except PromptSetError as exc:
            problem.update(Text(str(exc)))  # the file's name may hold '[': never markup
            return
        self.dismiss(prompts)

    def action_cancel(self) -> None:
        self.dismiss(None)
