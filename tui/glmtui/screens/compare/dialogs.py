"""The compare screen's dialogs: the blind vote, one pane's think setting and options, a prompt set's file."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from glmtui.core.options import parse_option
from glmtui.services.compare import Vote
from glmtui.services.prompt_sets import PromptSet, PromptSetError, read_prompt_set
from glmtui.widgets.prompt_input import SteadyInput

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 95%; height: auto; padding: 1 2; border: thick $primary; background: $surface;
}}
{name} .dialog-text {{ margin-bottom: 1; }}
{name} Horizontal {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin-left: 1; }}
"""


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


# Options a pane may set; their types and ranges are core/options.py's, shared with the config file.
PANE_OPTIONS = ("temperature", "top_p", "top_k", "seed", "num_ctx", "num_predict")


def parse_options(values: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Typed options from the dialog's text boxes (blank: not sent), and a problem per bad box."""
    options: dict[str, Any] = {}
    problems: list[str] = []
    for key in PANE_OPTIONS:
        raw = values.get(key, "").strip()
        if not raw:
            continue
        value, problem = parse_option(key, raw)
        if problem is not None:
            problems.append(f"{key}: {problem}")
            continue
        options[key] = value
    return options, problems


class PaneOptionsScreen(ModalScreen[dict[str, Any] | None]):
    """Edit one pane's options. Enter applies; Esc leaves them as they were."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PaneOptionsScreen")
        + """
    PaneOptionsScreen Grid {
        grid-size: 2; grid-columns: 14 1fr; grid-rows: 1; grid-gutter: 0 1; height: auto;
    }
    PaneOptionsScreen Input { height: 1; border: none; padding: 0; }
    PaneOptionsScreen #options-problems { color: $error; height: auto; }
    """
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="options-cancel")]

    def __init__(self, title: str, options: Mapping[str, Any]) -> None:
        super().__init__()
        self._title = title
        self._options = dict(options)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title, style="bold"), classes="dialog-text")
            with Grid():
                for key in PANE_OPTIONS:
                    yield Label(key)
                    yield SteadyInput(
                        str(self._options.get(key, "")),
                        placeholder="model default",
                        id=f"opt-{key}",
                        compact=True,
                    )
            yield Static(id="options-problems")
            yield Static(Text("Blank: the model's default. Enter applies, Esc cancels.", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = {key: self.query_one(f"#opt-{key}", Input).value for key in PANE_OPTIONS}
        options, problems = parse_options(values)
        if problems:
            self.query_one("#options-problems", Static).update(Text("\n".join(problems)))
            return
        # Keys this dialog does not edit (from the config file) are kept as they were.
        kept = {k: v for k, v in self._options.items() if k not in PANE_OPTIONS}
        self.dismiss({**kept, **options})

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
