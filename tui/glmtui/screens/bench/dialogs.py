"""The bench's export dialog: a format and a path; the same JSON, CSV or Markdown the CLI writes.

The default path is in the current directory (where `glmtui bench --json FILE` writes), or the data
folder's `exports/` when the current directory cannot be written. A write that fails (a full disk, a
folder that does not exist, no permission) is said in the dialog, which stays open with the path: the
results are still on the screen, nothing is lost, another path can be tried.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from glmtui.core.bench import CellResult
from glmtui.core.bench_export import EXPORT_FORMATS, RunInfo, export_text
from glmtui.screens.dialogs.confirm import ConfirmScreen


def default_path(fmt: str, created_at: float, fallback: Path) -> Path:
    """`glmtui-bench-20261129-1405.json` in the current directory, or in `fallback` when the current
    directory is not writable."""
    stamp = time.strftime("%Y%m%d-%H%M", time.localtime(created_at))
    folder = Path.cwd() if os.access(Path.cwd(), os.W_OK) else fallback
    return folder / f"glmtui-bench-{stamp}.{EXPORT_FORMATS[fmt]}"


def write(path: Path, text: str) -> None:
    """Write the whole file or raise OSError (the folder is made when missing)."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class ExportScreen(ModalScreen[Path | None]):
    """Pick a format, edit the path, Enter or Export writes; Esc cancels. Dismisses with the path."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 80; max-width: 95%; height: auto; padding: 1 2; border: thick $primary; background: $surface;
    }
    ExportScreen RadioSet { layout: horizontal; width: auto; height: auto; margin-bottom: 1; }
    ExportScreen #export-error { color: $error; height: auto; }
    ExportScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ExportScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="bench-export-cancel")]

    def __init__(self, cells: Sequence[CellResult], run: RunInfo, fallback: Path) -> None:
        super().__init__()
        self._cells = list(cells)
        self._run = run
        self._fallback = fallback
        self._fmt = "json"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Export {len(self._cells)} cell(s)", style="bold"))
            with RadioSet(id="export-format"):
                for fmt in EXPORT_FORMATS:
                    yield RadioButton(fmt.upper() if fmt != "markdown" else "Markdown", value=fmt == "json")
            yield Input(str(default_path("json", self._run.created_at, self._fallback)), id="export-path")
            yield Static(id="export-error")
            with Horizontal():
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", id="export-write", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(RadioSet.Changed)
    def _format(self, event: RadioSet.Changed) -> None:
        self._fmt = list(EXPORT_FORMATS)[event.index]
        box = self.query_one("#export-path", Input)
        path = Path(box.value)
        if path.suffix.lstrip(".") in EXPORT_FORMATS.values():  # the user's name, the format's extension
            box.value = str(path.with_suffix("." + EXPORT_FORMATS[self._fmt]))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-write")
    async def _write(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        await self.export()

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    async def export(self) -> None:
        """Write the export; on failure say why here and stay open."""
        typed = self.query_one("#export-path", Input).value.strip()
        error = self.query_one("#export-error", Static)
        if not typed:
            error.update(Text("Name a file to write."))
            return
        path = Path(typed).expanduser()
        if path.is_dir():
            path = path / default_path(self._fmt, self._run.created_at, self._fallback).name
        text = export_text(self._fmt, self._cells, self._run)
        try:
            await asyncio.to_thread(write, path, text)
        except OSError as exc:
            error.update(
                Text(f"Could not write {path}: {exc.strerror or exc}. Nothing is lost: try another path.")
            )
            return
        self.dismiss(path)


class WontFitScreen(ConfirmScreen):
    """The pre-flight's question about models that will not fit: run them anyway (True), skip them and
    run the rest (False), or Esc: stop the bench (None) — Esc stops a bench at any stage."""

    BINDINGS = [Binding("escape", "stop", "Stop the bench", show=False, id="bench-fit-stop")]

    def __init__(self, question: Text) -> None:
        super().__init__(
            question,
            yes="Run anyway",
            no="Skip them",
            hint="y runs them · n skips them · Esc stops the bench",
        )

    def action_stop(self) -> None:
        self.dismiss(None)  # a third answer beside ConfirmScreen's True and False
