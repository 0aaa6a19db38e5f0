"""The options dialog: a compare pane's options, or the chat's own edits over its preset.

One dialog for both (the fields are core/options.py's, checked the same way). The chat gives it more to
show: what is sent when a box is blank (the config's and the preset's options, as the placeholder) and
the model's defaults (its Modelfile parameters, Ollama's documented defaults for the rest), and a field
whose value would differ from the model's default is highlighted with that default beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from glmtui.core.options import parse_option
from glmtui.core.presets import differs, shown
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

# Options a compare pane may set; their types and ranges are core/options.py's, shared with the config file.
PANE_OPTIONS = ("temperature", "top_p", "top_k", "seed", "num_ctx", "num_predict")
# The chat's: the preset options (think has its own key, Ctrl+T).
CHAT_OPTIONS = ("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "num_ctx", "num_predict", "seed")


def parse_options(
    values: Mapping[str, str], fields: Sequence[str] = PANE_OPTIONS
) -> tuple[dict[str, Any], list[str]]:
    """Typed options from the dialog's text boxes (blank: not sent), and a problem per bad box."""
    options: dict[str, Any] = {}
    problems: list[str] = []
    for key in fields:
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
    """Edit options. Enter applies; the reset key clears every box and applies; Esc leaves them."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PaneOptionsScreen")
        + """
    PaneOptionsScreen Grid {
        grid-size: 2; grid-columns: 14 1fr; grid-rows: 1; grid-gutter: 0 1; height: auto;
    }
    PaneOptionsScreen Grid.-baseline { grid-size: 3; grid-columns: 14 1fr 18; }
    PaneOptionsScreen Label.-differs { color: $warning; text-style: bold; }
    PaneOptionsScreen .option-default { color: $text-muted; }
    PaneOptionsScreen Input { height: 1; border: none; padding: 0; }
    PaneOptionsScreen #options-problems { color: $error; height: auto; }
    """
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False, id="options-cancel"),
        Binding("alt+r", "reset", "Reset", show=False, id="options-reset"),
    ]

    def __init__(
        self,
        title: str,
        options: Mapping[str, Any],
        *,
        fields: Sequence[str] = PANE_OPTIONS,
        inherited: Mapping[str, Any] | None = None,
        baseline: Mapping[str, Any] | None = None,
        note: str = "",
    ) -> None:
        """`options`: the boxes' values. `inherited`: what is sent when a box is blank (placeholders).
        `baseline`: the model's defaults; with it, a value that differs from it is highlighted."""
        super().__init__()
        self._title = title
        self._options = dict(options)
        self._fields = tuple(fields)
        self._inherited = dict(inherited or {})
        self._baseline = dict(baseline) if baseline is not None else None
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title, style="bold"), classes="dialog-text")
            with Grid(classes="-baseline" if self._baseline is not None else ""):
                for key in self._fields:
                    yield Label(key, id=f"label-{key}")
                    inherited = self._inherited.get(key)
                    yield SteadyInput(
                        str(self._options.get(key, "")),
                        placeholder="model default" if inherited is None else shown(inherited),
                        id=f"opt-{key}",
                        compact=True,
                    )
                    if self._baseline is not None:
                        default = self._baseline.get(key)
                        note = "" if default is None else f"model {shown(default)}"
                        yield Static(Text(note), classes="option-default")
            yield Static(id="options-problems")
            blank = "what the config and preset send" if self._inherited else "the model's default"
            hint = f"Blank: {blank}"
            yield Static(Text(f"{hint}. Enter applies, Alt+R resets, Esc cancels.", style="dim"))
            if self._note:
                yield Static(Text(self._note, style="dim"))
            yield Horizontal()

    def on_mount(self) -> None:
        self._highlight()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._highlight()

    def differing(self) -> list[str]:
        """The fields whose value (typed, else inherited) is not the model's default."""
        if self._baseline is None:
            return []
        found = []
        for key in self._fields:
            value, _ = parse_option(key, self.query_one(f"#opt-{key}", Input).value.strip() or "x")
            value = value if value is not None else self._inherited.get(key)
            if value is not None and key in self._baseline and differs(value, self._baseline[key]):
                found.append(key)
        return found

    def _highlight(self) -> None:
        found = set(self.differing())
        for key in self._fields:
            self.query_one(f"#label-{key}", Label).set_class(key in found, "-differs")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = {key: self.query_one(f"#opt-{key}", Input).value for key in self._fields}
        options, problems = parse_options(values, self._fields)
        if problems:
            self.query_one("#options-problems", Static).update(Text("\n".join(problems)))
            return
        # Keys this dialog does not edit (from the config file) are kept as they were.
        kept = {k: v for k, v in self._options.items() if k not in self._fields}
        self.dismiss({**kept, **options})

    def action_reset(self) -> None:
        """Every box cleared and applied: only what the config and preset send (or the model's defaults)."""
        self.dismiss({k: v for k, v in self._options.items() if k not in self._fields})

    def action_cancel(self) -> None:
        self.dismiss(None)
