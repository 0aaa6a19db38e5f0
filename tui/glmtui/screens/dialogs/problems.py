"""Every problem found at start (config file, keymap, themes, history), in one scrollable list:
the start-up toast only counts them, so thirteen problems are not thirteen toasts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ProblemsScreen(ModalScreen[None]):
    """The start-up problems, each with its file:line where it has one. Esc closes."""

    DEFAULT_CSS = """
    ProblemsScreen { align: center middle; }
    ProblemsScreen > Vertical { width: 100; max-width: 95%; height: auto; max-height: 85%; padding: 1 2;
                                border: thick $warning; background: $surface; }
    ProblemsScreen VerticalScroll { height: auto; max-height: 30; margin-top: 1; }
    ProblemsScreen .problem { margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close", show=False, id="problems-close")]

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        with Vertical():
            count = len(self.problems)
            title = f"{count} problem{'s' if count != 1 else ''} at start"
            yield Static(Text(title, style="bold"))
            yield Static(Text("Each falls back to its default; Esc closes.", style="dim"))
            with VerticalScroll():
                for problem in self.problems:  # paths and values from the file: plain text, never markup
                    yield Static(Text(f"• {problem}"), classes="problem")

    def action_close(self) -> None:
        self.dismiss()
