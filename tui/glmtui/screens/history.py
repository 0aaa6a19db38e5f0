"""The history screen: saved conversations, newest first — search, open and resume, rename, delete, export."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from glmtui.core.sanitize import sanitize
from glmtui.core.units import when
from glmtui.paths import data_dir
from glmtui.screens.dialogs.answers import on_answer
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.screens.dialogs.rename import RenameScreen
from glmtui.services.branch_store import shown_counts
from glmtui.services.conversation_export import conversation_markdown, slug, write_export
from glmtui.services.store import ConversationRow
from glmtui.surface import AppSurface
from glmtui.widgets.footer import QuietFooter
from glmtui.widgets.prompt_input import SteadyInput
from glmtui.widgets.settled_table import SettledTable
from glmtui.widgets.table_keys import move_row, row_bindings

SEARCH_DEBOUNCE_S = 0.15


class HistoryScreen(Screen[None]):
    """Saved conversations. Typing filters (titles, prompts and replies); the keys act on the highlighted
    row."""

    DEFAULT_CSS = """
    HistoryScreen { layout: vertical; }
    HistoryScreen #history-title { height: 1; background: $panel; padding: 0 1; }
    HistoryScreen #history-search { border: none; height: 1; margin: 1 1 0 1; padding: 0 1;
                                    background: $boost; }
    HistoryScreen #history-table { height: 1fr; margin-top: 1; }
    HistoryScreen #history-empty { color: $text-muted; padding: 1 2; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="history-close"),
        Binding("enter", "open", "Open", priority=True, id="history-open"),
        *row_bindings("history"),
        Binding("f2", "rename", "Rename", priority=True, id="history-rename"),
        Binding("ctrl+d", "delete", "Delete", priority=True, id="history-delete"),
        Binding("ctrl+s", "export", "Export", priority=True, id="history-export"),
        # Not in the footer (at 80 columns it would push F1 out); the title, F1 and the palette name it.
        Binding("f8", "usage", "Usage", priority=True, show=False, id="history-usage"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ConversationRow] = []

    app = getters.app(AppSurface)

    def compose(self) -> ComposeResult:
        yield Static(id="history-title")
        yield SteadyInput(placeholder="Type to search titles, prompts and replies", id="history-search")
        yield SettledTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-empty")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("title", "model", "updated", "turns")
        self.query_one(Input).focus()
        self.refresh_rows()

    def _show_title(self) -> None:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("History", style="bold")
        if self.app.journal.enabled:
            search = self.query_one(Input).value.strip()
            title.append(f"  ·  {len(self.rows)} conversation(s)" + (" found" if search else ""))
            title.append(
                "  ·  Enter opens · F2 renames · Ctrl+D deletes · Ctrl+S exports · F8 usage", style="dim"
            )
        else:
            title.append("  ·  saving is off for this session (see the notification)", style="yellow")
        self.query_one("#history-title", Static).update(title)

    @work(exclusive=True, group="history-search", exit_on_error=False)
    async def refresh_rows(self, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)  # typing fast runs one query, not one per key
        search = self.query_one(Input).value
        keep = self.selected.id if self.selected else None  # the highlight follows the conversation
        journal = self.app.journal
        rows = await journal.conversations(search)
        shown = await journal.run(shown_counts, journal.store, [row.id for row in rows]) or {}
        # The rows change only with the table, no await between: `selected` (Enter, F2, Ctrl+D) reads
        # the row highlighted, never one of a list not shown yet.
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(
                Text(row.title),
                Text(row.model, style="dim"),
                Text(when(row.updated_at)),
                Text(turns_shown(row.turns, shown.get(row.id)), justify="right"),
                key=str(row.id),
            )
        ids = [row.id for row in self.rows]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)
        self._show_title()
        empty = self.query_one("#history-empty", Static)
        empty.update(
            "" if self.rows else ("No conversation matches." if search else "No saved conversations yet.")
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "history-search":
            self.refresh_rows(SEARCH_DEBOUNCE_S)

    @property
    def selected(self) -> ConversationRow | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_move(self, delta: int) -> None:
        move_row(self.query_one(DataTable), delta)

    def action_close(self) -> None:
        self.dismiss()

    def action_usage(self) -> None:
        """The usage over time of what is listed here (the charts; Esc comes back to this list)."""
        self.app.open_usage()

    async def action_open(self) -> None:
        row = self.selected
        if row is None:
            self.notify("Nothing selected.", timeout=2)
            return
        await self.app.resume(row.id)

    def action_rename(self) -> None:
        row = self.selected
        if row is not None:
            self.app.push_screen(
                RenameScreen(row.title),
                on_answer(self, partial(self._rename, row)),
            )

    async def _rename(self, row: ConversationRow, title: str) -> None:
        title = sanitize(title)
        await self.app.journal.rename(row.id, title)
        chat = self.app.chat_conversation()
        if chat is not None and chat.id == row.id:
            chat.title = title
        self.refresh_rows()

    def action_delete(self) -> None:

        row = self.selected
        if row is None:
            return
        text = Text()
        text.append(f"Delete “{row.title}”?", style="bold")
        text.append(
            f"\n{row.turns} turn(s) with {row.model}. This cannot be undone (Ctrl+S exports it first)."
        )
        self.app.push_screen(
            ConfirmScreen(text, yes="Delete", no="Keep", danger=True),
            on_answer(self, lambda _: self._delete(row)),
        )

    async def _delete(self, row: ConversationRow) -> None:
        await self.app.journal.delete(row.id)
        cleared = await self.app.conversation_deleted(row.id)
        self.notify(
            f"Deleted “{row.title}”" + (" (it was open: the chat starts anew)." if cleared else "."),
            timeout=3,
        )
        self.refresh_rows()

    async def action_export(self) -> None:
        row = self.selected
        if row is None:
            return
        conversation = await self.app.journal.load(row.id)
        if conversation is None:
            self.notify(f"“{row.title}” no longer exists (deleted elsewhere?).", timeout=4)
            self.refresh_rows()
            return
        try:
            path = await asyncio.to_thread(
                write_export,
                conversation_markdown(conversation),
                f"glmtui-{slug(row.title)}",
                data_dir() / "exports",
            )
        except OSError as exc:
            self.notify(f"Could not write the export: {exc}", title="Export", severity="error")
            return
        self.notify(f"Saved to {path}", title="Export", timeout=6)


def turns_shown(saved: int, shown: int | None) -> str:
    """The history list's count: the turns of the branch it opens on, and every saved turn beside it
    when branches hold more (`3 of 7`: regenerated replies and edited prompts are kept)."""
    if shown is None or shown >= saved:
        return str(saved)
    return f"{shown} of {saved}"
