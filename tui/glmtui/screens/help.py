"""F1: the keys of the screen you are on, with each binding's id (for `[keymap]` in the config)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def bindings_table(screen: Screen[object]) -> Table:
    """One row per glmtui binding active on `screen` (the screen's, the focused widget's, the app's):
    those with an id (rebindable) or shown in the footer. The text box's own editing keys are left out."""
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column(Text("key"), no_wrap=True)
    table.add_column(Text("what it does"))
    table.add_column(Text("id (for [keymap])"), style="dim", no_wrap=True)  # Text: "[keymap]" is not markup
    rows: dict[str, tuple[int, list[str], Binding]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description or not (binding.id or binding.show):
            continue
        rank = 0 if active.node is screen else 2 if active.node is screen.app else 1
        # One row per binding, its keys together (Textual splits "ctrl+j,alt+enter" into one per key).
        rows.setdefault(binding.id or binding.description, (rank, [], binding))[1].append(key)
    for _, keys, binding in sorted(rows.values(), key=lambda row: row[0]):
        shown = ", ".join(screen.app.get_key_display(Binding(k, "")) for k in keys)
        table.add_row(Text(shown), Text(binding.description), Text(binding.id or ""))
    # Textual's own keys, everywhere (not rebindable through [keymap]).
    table.add_row(Text("^p"), Text("Command palette: every command by name"), Text(""))
    table.add_row(Text("^q"), Text("Quit (a streaming reply is stopped and saved first)"), Text(""))
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the screen beneath; Esc, F1 or q closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: auto; max-height: 90%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    HelpScreen #help-title { margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", show=False, id="help-close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self._table = bindings_table(under)
        self._name = type(under).__name__.removesuffix("Screen") or "This screen"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            title = Text()
            title.append(f"Keys: {self._name}", style="bold")
            title.append("   Esc closes · rebind any of them in the config's [keymap] by id", style="dim")
            yield Static(title, id="help-title")
            yield Static(self._table)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
