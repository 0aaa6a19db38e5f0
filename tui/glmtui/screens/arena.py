"""The arena: a leaderboard of every blind vote ever stored, and the past A/B runs behind it.

Two views, `r` switches. The leaderboard rates each model (or model on an endpoint: `m` switches) from
the stored votes (services/arena.py: Bradley–Terry, 95 % intervals) with its median decode rate and
measured memory beside it. The past runs are listed here rather than in the history screen because
they are the arena's raw material (each vote on the board is one of them) and their columns (two
models, two endpoints, a vote) are not a conversation's; Enter reopens one in the A/B screen, where it
can go on. Everything is read in a worker through `journal.run`; nothing touches the store on the
event loop.

Built for opening fast (≤ 300 ms over 10,000 votes, benchmarks/leaderboard.py): the read starts as
the screen is composed, in parallel with building it; the tab bar is one drawn widget (TabStrip) over
a ContentSwitcher, not a TabbedContent; the past runs' table is built the first time it is shown; the
footer is rebuilt only when its keys change (QuietFooter).
"""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Static

from glmtui.core.units import gib
from glmtui.services.arena import Arena, BoardRow, read_arena
from glmtui.services.arena_store import RunRow, load_run, past_runs
from glmtui.surface import AppSurface
from glmtui.widgets.footer import QuietFooter
from glmtui.widgets.settled_table import SettledTable
from glmtui.widgets.tab_strip import TabStrip

BOARD, RUNS = "arena-board-tab", "arena-runs-tab"
EMPTY = (
    "No blind votes yet — F5 opens the A/B screen, Ctrl+B makes the run blind, F6 votes after a reply "
    "(F9 there runs a whole file of prompts, a vote after each). Every vote lands here."
)
VOTE_WORDS = {"a": "A", "b": "B", "tie": "tie"}


class ArenaScreen(Screen[None]):
    """The leaderboard and the past A/B runs."""

    DEFAULT_CSS = """
    ArenaScreen { layout: vertical; }
    ArenaScreen #arena-title { height: 1; background: $panel; padding: 0 1; }
    ArenaScreen #arena-views { height: 1fr; }
    ArenaScreen #arena-views > Vertical { height: 1fr; }
    ArenaScreen DataTable { height: 1fr; }
    ArenaScreen .arena-note { color: $text-muted; padding: 0 1; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="arena-close"),
        Binding("m", "toggle_view", "Model / endpoint", id="arena-view"),
        Binding("r", "switch_tab", "Board / runs", id="arena-tab"),
        Binding("enter", "reopen", "Reopen run", priority=True, id="arena-reopen"),
    ]

    app = getters.app(AppSurface)
    views = getters.query_one("#arena-views", ContentSwitcher)

    def __init__(self) -> None:
        super().__init__()
        self.arena: Arena | None = None
        """What the leaderboard shows, once read (None before, or when the store could not be read)."""
        self.by_endpoint = False
        """The board names each model on its endpoint (`m` switches)."""
        self.runs: list[RunRow] | None = None
        """The past runs, once read (the tab is filled when first shown)."""
        self.loaded = False
        """The leaderboard has been read and shown (or its problem said)."""
        self.drawn = False
        """The frame after `loaded` has been drawn (the benchmark's end point)."""
        self.tab = BOARD
        """The view shown: BOARD or RUNS (`r` switches)."""
        self._mounted = asyncio.Event()  # the read may end before the widgets it fills are mounted

    def compose(self) -> ComposeResult:
        self.read_board()  # now, so the read runs while the screen is built (it shows after mount)
        yield Static(id="arena-title")
        yield TabStrip([(BOARD, "Leaderboard"), (RUNS, "Past A/B runs")], BOARD, id="arena-tabs")
        with ContentSwitcher(initial=BOARD, id="arena-views"):
            with Vertical(id=BOARD):
                yield SettledTable(id="arena-board", cursor_type="row", zebra_stripes=True)
                yield Static(id="arena-note", classes="arena-note")
            yield Vertical(id=RUNS)  # its table is built when first shown
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#arena-board", DataTable).add_columns(
            "#", "model", "rating ± 95 %", "W/T/L", "votes", "decode (median)", "memory"
        )
        if not self.loaded:
            self._title("reading the votes…")
        self.query_one("#arena-board", DataTable).focus()
        self._mounted.set()

    # -- the leaderboard --------------------------------------------------------------------------

    @work(exclusive=True, group="arena-read", exit_on_error=False)
    async def read_board(self) -> None:
        journal = self.app.journal
        arena = await journal.run(read_arena, journal.store) if journal.store is not None else None
        await self._mounted.wait()
        note = self.query_one("#arena-note", Static)
        if journal.store is None:
            note.update(Text("Saving is off for this session (see the notification): no votes to rate."))
        else:
            self.arena = arena
            if self.arena is None:
                note.update(Text("The history could not be read (see the notification): no leaderboard."))
        self.show_board()
        self.loaded = True
        self.call_after_refresh(self._after_drawn)

    def _after_drawn(self) -> None:
        self.drawn = True
        if self.arena is not None and not self.arena.fitted(True):
            self.fit_view(True)  # the other view, now the board is on screen, so `m` has it at once

    @work(exclusive=True, group="arena-fit", exit_on_error=False)
    async def fit_view(self, by_endpoint: bool) -> None:
        """Fit a view of the board in a thread (pure CPU, no store); show it if it is still wanted."""
        arena = self.arena
        if arena is None:
            return
        await asyncio.to_thread(arena.view, by_endpoint)
        if self.by_endpoint == by_endpoint and arena is self.arena:
            self.show_board()

    def show_board(self) -> None:
        table = self.query_one("#arena-board", DataTable)
        arena = self.arena
        if arena is None:
            table.clear()
            self._title("")
            return
        if not arena.fitted(self.by_endpoint):
            self._title("fitting…")
            self.fit_view(self.by_endpoint)
            return
        table.clear()
        rows = arena.view(self.by_endpoint)
        table.add_rows([_board_cells(row) for row in rows])
        self._title(f"{arena.votes:,} blind vote(s) · {len(rows)} contestant(s)")
        self.query_one("#arena-note", Static).update(_board_note(arena, rows))

    def action_toggle_view(self) -> None:
        self.by_endpoint = not self.by_endpoint
        self.show_board()

    def _title(self, status: str) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Arena", style="bold")
        if status:
            text.append(f"  ·  {status}")
        view = "by model on its endpoint" if self.by_endpoint else "by model"
        text.append(f"  ·  {view} (m switches) · r: board / past runs", style="dim")
        self.query_one("#arena-title", Static).update(text)

    # -- past runs --------------------------------------------------------------------------------

    async def show_tab(self, tab: str) -> None:
        """Show the board or the past runs (the runs' table is built and read the first time)."""
        if tab == self.tab:
            return
        self.tab = tab
        if tab == RUNS and not self.query("#arena-runs"):
            table: DataTable[Text] = SettledTable(id="arena-runs", cursor_type="row", zebra_stripes=True)
            await self.query_one(f"#{RUNS}", Vertical).mount_all(
                [table, Static(id="arena-runs-note", classes="arena-note")]
            )
            table.add_columns("date", "models (A vs B)", "endpoints", "rounds", "vote")
            self.read_runs()
        self.views.current = tab
        self.query_one(TabStrip).active = tab
        self.query_one("#arena-runs" if tab == RUNS else "#arena-board", DataTable).focus()
        self.refresh_bindings()

    async def on_tab_strip_chosen(self, event: TabStrip.Chosen) -> None:
        await self.show_tab(event.tab)

    async def action_switch_tab(self) -> None:
        await self.show_tab(RUNS if self.tab == BOARD else BOARD)

    @work(exclusive=True, group="arena-runs", exit_on_error=False)
    async def read_runs(self) -> None:
        journal = self.app.journal
        note = self.query_one("#arena-runs-note", Static)
        runs = await journal.run(past_runs, journal.store) if journal.store is not None else None
        table = self.query_one("#arena-runs", DataTable)
        table.clear()
        if runs is None:
            note.update(Text("The history is off or could not be read: no past runs to list."))
            return
        self.runs = runs
        table.add_rows([_run_cells(run) for run in runs])
        note.update(
            Text(
                "Enter reopens the highlighted run in the A/B screen (a blind run not voted on stays blind)."
                if runs
                else "No A/B runs saved yet: F5 in the chat opens the A/B screen."
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reopen":
            return self.tab == RUNS
        return True

    async def action_reopen(self) -> None:
        table = self.query_one("#arena-runs", DataTable)
        runs = self.runs or []
        if not 0 <= table.cursor_row < len(runs):
            self.notify("No run selected.", timeout=2)
            return
        row = runs[table.cursor_row]
        journal = self.app.journal
        found = await journal.run(load_run, journal.store, row.id) if journal.store is not None else None
        if found is None:
            return  # the journal has said what went wrong with the store
        if found.run is None:
            self.notify(found.problem, title="Reopen", severity="warning", timeout=6)
            return
        await self.app.open_compare(reopen=found.run)

    def action_close(self) -> None:
        self.dismiss()


def _board_cells(row: BoardRow) -> tuple[Text, ...]:
    r = row.rating
    name = Text(row.name)
    if row.apart:
        name.append(" *", style="yellow")
    speed = row.speed
    if speed is None:
        decode = Text("—, no replies yet", style="dim")
    elif speed.source.startswith("bench"):
        decode = Text(f"{speed.tps:.1f} tok/s {speed.label}, {speed.source} ({speed.runs}×)")
    else:
        decode = Text(
            f"{speed.tps:.1f} tok/s {speed.label}, {speed.runs} repl{'y' if speed.runs == 1 else 'ies'}"
        )
    memory = (
        Text(f"{gib(row.memory.bytes)} GiB at {row.memory.context:,} ctx ({row.memory.source})")
        if row.memory is not None and row.memory.context
        else Text(f"{gib(row.memory.bytes)} GiB ({row.memory.source})")
        if row.memory is not None
        else Text("—, no bench yet", style="dim")
    )
    return (
        Text(str(row.rank), justify="right"),
        name,
        Text(f"{r.rating:.0f} ± {r.margin:.0f}", justify="right"),
        Text(f"{r.wins}/{r.ties}/{r.losses}", justify="right"),
        Text(str(r.votes), justify="right"),
        decode,
        memory,
    )


def _board_note(arena: Arena, rows: list[BoardRow]) -> Text:
    if not rows:
        return Text(EMPTY)
    lines = [
        "Bradley–Terry ratings (Elo scale: +400 = 10:1 odds); a tie is half a win to each side. ± is the "
        "95 % interval: wide with few votes. 1000 is the mean of the models compared."
    ]
    if any(row.apart for row in rows):
        lines.append("* never compared, even through other models, with the top group: its rank is a guess.")
    if arena.unknown:
        lines.append(f"{arena.unknown} vote(s) with a value from another glmtui version: left out.")
    if arena.self_votes:
        lines.append(f"{arena.self_votes} vote(s) of a model against itself (a self-check): not rated.")
    return Text("\n".join(lines))


def _run_cells(run: RunRow) -> tuple[Text, ...]:
    if run.hidden:
        models = Text("hidden (blind, not voted yet)", style="italic")
    else:
        models = Text(f"{run.model_a} vs {run.model_b}")
    same = run.endpoint_a == run.endpoint_b
    endpoints = run.endpoint_a if same else f"{run.endpoint_a} vs {run.endpoint_b}"
    if run.vote is None:
        vote = Text("not voted" if run.blind else "— (not blind)", style="dim")
    elif run.vote in VOTE_WORDS:
        vote = Text(VOTE_WORDS[run.vote])
    else:
        vote = Text(f"? {run.vote!r} (another version's)", style="yellow")
    return (
        Text(time.strftime("%Y-%m-%d %H:%M", time.localtime(run.created_at))),
        models,
        Text(endpoints or "—"),
        Text("damaged" if run.rounds is None else str(run.rounds), justify="right"),
        vote,
    )
