"""The preset picker: every preset by name, filtered as you type, with what each one sets and where it
comes from; "None (model defaults)" first. A preset for another model family is marked with the reason
and cannot be chosen for this model.

Answers the chosen preset's name, "" for None, or None when cancelled (Esc).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from glmtui.core.presets import Preset, not_applying, options_text
from glmtui.core.sanitize import sanitize, sanitize_line
from glmtui.screens.dialogs.options import DIALOG_CSS
from glmtui.widgets.prompt_input import SteadyInput

NONE_ID = "preset:none"


class PresetScreen(ModalScreen[str | None]):
    """Pick the chat's preset. Type to filter, ↑/↓ to move, Enter chooses, Esc cancels."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PresetScreen")
        + """
    PresetScreen > Vertical { width: 90; }
    PresetScreen OptionList { height: auto; max-height: 10; margin: 1 0; }
    PresetScreen #preset-detail { height: auto; max-height: 14; }
    PresetScreen #preset-refused { color: $error; height: auto; }
    """
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False, id="preset-cancel"),
        Binding("down", "move(1)", "Next", show=False, id="preset-next"),
        Binding("up", "move(-1)", "Previous", show=False, id="preset-previous"),
    ]

    def __init__(
        self,
        presets: Sequence[Preset],
        *,
        model: str,
        family: str = "",
        active: str = "",
        baseline: Mapping[str, Any] | None = None,
    ) -> None:
        """`baseline`: the model's Modelfile parameters, shown as what "None" leaves in place."""
        super().__init__()
        self._presets = {f"preset:{index}": preset for index, preset in enumerate(presets)}
        self._model, self._family, self._active = model, family, active
        self._baseline = dict(baseline or {})

    def compose(self) -> ComposeResult:
        with Vertical():
            title = Text("Preset for this chat", style="bold")
            title.append(f"  ({self._model or 'no model yet'})", style="dim")
            yield Static(title)
            yield SteadyInput(placeholder="type to filter by name", id="preset-filter")
            yield OptionList(id="preset-list")
            yield Static(id="preset-refused")
            yield Static(id="preset-detail")
            yield Static(Text("Enter chooses, from the next prompt on. Esc cancels.", style="dim"))

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, typed: str) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        wanted = typed.strip().casefold()
        options = []
        if not wanted or wanted in "none (model defaults)":
            options.append(Option(Text("None (model defaults)"), id=NONE_ID))
        for key, preset in self._presets.items():
            if wanted and wanted not in preset.name.casefold() and wanted not in preset.family.casefold():
                continue
            label = Text(sanitize_line(preset.name))  # the config's text: no ESC or bidi control acts
            if preset.name == self._active:
                label.append("  (active)", style="bold")
            if not_applying(preset, self._model, self._family) is not None:
                label.append("  ✗ not for this model", style="dim")
            options.append(Option(label, id=key))
        listing.add_options(options)
        if options:
            listing.highlighted = 0
            self._show(options[0].id or "")
        else:
            self.query_one("#preset-detail", Static).update(Text("No preset matches.", style="dim"))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#preset-refused", Static).update("")
        self._fill(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option.id or "")

    def _show(self, key: str) -> None:
        """The highlighted entry's details: text objects only (a preset's prompt may hold `[`), each
        piece of the config's text sanitised (an ESC or a bidi control in a prompt shows, never acts)."""
        preset = self._presets.get(key)
        text = Text()
        if preset is None:
            text.append("No preset: the config's options and system prompt, and the model's own defaults.")
        else:
            text.append(sanitize_line(preset.name), style="bold")
            source = "your config" if preset.source == "config" else "built-in"
            family = f", {sanitize_line(preset.family)}" if preset.family else ""
            text.append(f"  · {source}{family}", style="dim")
            if (reason := not_applying(preset, self._model, self._family)) is not None:
                text.append(f"\nNot for this model: {sanitize_line(reason)}", style="bold")
            if preset.citation or preset.url:
                text.append(f"\nFrom the model card: {sanitize(preset.citation)}".rstrip())
                if preset.url:
                    text.append(f"\n{sanitize_line(preset.url)}", style="dim")
            text.append(f"\nOptions: {sanitize(options_text(preset.options)) or 'none'}")
            if preset.think is not None:
                text.append(f"\nThink: {preset.think}")
            if preset.system:
                text.append(f"\nSystem prompt: {sanitize(preset.system)}")
            if preset.tools:
                names = ", ".join(sanitize_line(str(tool["function"]["name"])) for tool in preset.tools)
                text.append(f"\nTools offered: {names}")
        if self._baseline:
            text.append(f"\nModel's Modelfile: {sanitize(options_text(self._baseline))}", style="dim")
        self.query_one("#preset-detail", Static).update(text)

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -step
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        listing = self.query_one(OptionList)
        if listing.highlighted is not None:
            self._choose(listing.get_option_at_index(listing.highlighted).id or "")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id or "")

    def _choose(self, key: str) -> None:
        if key == NONE_ID:
            self.dismiss("")
            return
        preset = self._presets.get(key)
        if preset is None:
            return
        if (reason := not_applying(preset, self._model, self._family)) is not None:
            refused = self.query_one("#preset-refused", Static)
            # The config's text (a name, `models` patterns): shown inert, as in the list and the details.
            what = f"{sanitize_line(preset.name)} is {sanitize_line(reason)}"
            refused.update(Text(f"{what}: pick one for this model, or None."))
            return
        self.dismiss(preset.name)

    def action_cancel(self) -> None:
        self.dismiss(None)
