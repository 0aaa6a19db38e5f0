"""AttachFileScreen: pick a file to attach to the next prompt (alt+a, palette "Attach file…").

A path box (Enter attaches what it names: absolute, `~` or relative to the working folder) above a tree
of the working folder (Enter or a click on a file attaches it). Esc closes without attaching. The file is
read, checked and refused (with the reason) by the chat, as an `@path` is.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text, TextType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static

from glmtui.core.sanitize import sanitize_line
from glmtui.widgets.prompt_input import SteadyInput


class SafeDirectoryTree(DirectoryTree):
    """A DirectoryTree that draws file names as data. Textual's `Tree.process_label` reads a `str`
    label as markup (`[red]x` styled, `[/]` a MarkupError), and nothing there strips controls: a
    name with ESC or RLO (a cloned repository, an unpacked archive picks names) would reach the
    terminal. Each label is a plain Text of the name with its controls made visible."""

    def process_label(self, label: TextType) -> Text:
        return name_label(label)


def name_label(label: TextType) -> Text:
    """A file name as a tree label: plain text (never markup), controls made visible, one line."""
    return Text(sanitize_line(label if isinstance(label, str) else label.plain))


class AttachFileScreen(ModalScreen[str | None]):
    """A path box and a tree of the working folder; dismissed with the chosen path, or None."""

    DEFAULT_CSS = """
    AttachFileScreen { align: center middle; }
    AttachFileScreen > Vertical { width: 90; max-width: 95%; height: 80%; padding: 1 2;
                                  border: thick $primary; background: $surface; }
    AttachFileScreen DirectoryTree { height: 1fr; margin: 1 0 0 0; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="attach-cancel")]

    def __init__(self, cwd: Path) -> None:
        super().__init__()
        self.cwd = cwd

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text(
                    "Attach a file: type a path and press Enter, or pick one in the tree (Tab moves there). "
                    "Esc cancels.",
                    style="bold",
                )
            )
            yield SteadyInput(
                placeholder=f"a path, relative to {sanitize_line(str(self.cwd))}", id="attach-path"
            )
            yield SafeDirectoryTree(self.cwd, id="attach-tree")

    def on_mount(self) -> None:
        self.query_one("#attach-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(event.value.strip())

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        path = event.path
        try:
            shown = str(path.relative_to(self.cwd))  # as the user would type it: short
        except ValueError:
            shown = str(path)
        self.dismiss(shown)

    def action_cancel(self) -> None:
        self.dismiss(None)
