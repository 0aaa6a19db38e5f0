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
    """One row per key active on `screen` (the focused widget's, the screen's and the app's)."""
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("key", no_wrap=True)
    table.add_column("what it does")
    table.add_column("id (for [keymap])", style="dim", no_wrap=True)
    seen: set[tuple[str, str]] = set()
    rows = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not (binding.description or binding.tooltip):
            continue
        what = binding.description or binding.tooltip
        if (what, binding.id or "") in seen:  # one row per binding, its keys together
            continue
        seen.add((what, binding.id or ""))
        keys = [k for k, a in screen.active_bindings.items() if a.binding is binding] or [key]
        rows.append((", ".join(screen.app.get_key_display(Binding(k, "")) for k in keys), what, binding.id or ""))
    for keys, what, binding_id in rows:
        table.add_row(Text(keys), Text(what), Text(binding_id))
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
