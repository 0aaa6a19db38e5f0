"""F6: the bench screen — the same bench as `glmtui bench`, with a form, a progress view, the results
table and charts, earlier runs, and exports.

Setup → Start → the pre-flight (each endpoint's version and models, the fit): an unknown model or an
endpoint that cannot be reached is said and its cells skipped; a model that will not fit is ASKED
about (the CLI skips it unless --force: a screen can ask) → the run, in a worker owned by this screen.

The runner (services/bench.py) calls `on_event` from its own coroutine, which runs in this screen's
worker on the app's event loop (an async worker, not a thread): the events update widgets directly.
Each finished cell is saved at once through `journal.run`; a store that cannot be written is said once
and the run goes on (the table and exports still have every cell).

Leaving while a bench runs: Esc (or Stop) stops it at any stage — the pre-flight, the won't-fit question
(its Esc), the runs — keeping the finished cells, saved; a second Esc leaves. It never runs on in the
background: a bench measures one engine doing one thing; a chat on the same GPU meanwhile would spoil
both the figures and the chat's speed. Anything that takes the screen away (a new chat from the
palette) stops it the same way, and says so; a screen opened over it (the palette's Compare, Usage…)
asks first — stop the bench and open it, or stay (commands.gate, through `BusyScreen`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, ProgressBar, Static, TabbedContent, TabPane, Tabs
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from glmtui import __version__
from glmtui.core.bench import BenchPlan, CellResult
from glmtui.core.bench_export import RunInfo, comparison_lines
from glmtui.core.bench_view import RunRow
from glmtui.core.endpoints import ModelRef
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import machine_from
from glmtui.paths import data_dir
from glmtui.screens.bench.dialogs import ExportScreen, WontFitScreen
from glmtui.screens.bench.results import ResultsView
from glmtui.screens.bench.run import BenchRun
from glmtui.screens.bench.saved import SavedRuns
from glmtui.screens.bench.setup import BenchRequest, SetupForm
from glmtui.services import bench_store
from glmtui.services.bench import BenchEvent, BenchRunner, BenchTarget, CellDone, CellStarted, RepDone
from glmtui.services.bench_gpu import bench_nvml
from glmtui.surface import AppSurface
from glmtui.widgets.footer import QuietFooter

# Where focus goes when a tab comes up while focus is in another pane.
FIRST_FOCUS = {
    "bench-setup": "#bench-models",
    "bench-run": "#bench-live DataTable",
    "bench-runs": "#bench-run-list",
}


class BenchScreen(Screen[None]):
    """Bench models: setup, progress, results and charts, earlier runs, export."""

    CSS_PATH = "bench.tcss"
    AUTO_FOCUS = "#bench-models"  # the first thing to do is pick models (not the tab bar)
    BINDINGS = [
        Binding("escape", "back", "Stop / back", id="bench-back"),
        Binding("ctrl+s", "export", "Export", priority=True, id="bench-export"),
    ]
    app = getters.app(AppSurface)

    def __init__(self) -> None:
        super().__init__()
        self.run_state: BenchRun | None = None
        """The live run (None before the first Start)."""
        self._bench_task: asyncio.Future[list[CellResult]] | None = None
        self._worker: Worker[None] | None = None  # the whole run: pre-flight, question, runs

    def compose(self) -> ComposeResult:
        yield Static(Text("Bench", style="bold"), id="bench-title")
        with TabbedContent(initial="bench-setup", id="bench-tabs"):
            with TabPane("Setup", id="bench-setup"):
                yield SetupForm(id="bench-form")
            with TabPane("Run", id="bench-run"):
                with Vertical(id="bench-progress"):
                    yield Static(id="bench-preflight")
                    with Horizontal(id="bench-bar-row"):
                        yield ProgressBar(id="bench-bar", show_eta=True)
                        yield Button("Stop", id="bench-stop", variant="error", disabled=True, compact=True)
                    yield Static(id="bench-current")
                yield ResultsView(id="bench-live")
            with TabPane("Earlier runs", id="bench-runs"):
                yield SavedRuns(id="bench-saved-runs")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.list_models()

    # -- setup ----------------------------------------------------------------------------------------

    @work(exclusive=True, group="bench-models", exit_on_error=False)
    async def list_models(self) -> None:
        """Every endpoint's installed models (listed afresh), the chat's model ticked."""
        app = self.app
        refs: list[ModelRef] = []
        problems: list[str] = []
        for endpoint in app.endpoints.endpoints:
            status = await app.endpoints.refresh_models(endpoint.name)
            if status.state != "online":
                problems.append(f"{endpoint.name}: {status.message or status.state}")
            refs += [ModelRef(endpoint.name, m.name) for m in status.models]
        chosen = ModelRef(app.endpoint, app.model) if app.model else None
        if chosen is not None and chosen not in refs:
            chosen = next((r for r in refs if r.endpoint == app.endpoint and r.model == app.model), None)
        self.query_one(SetupForm).set_models(refs, chosen, problems)

    @on(Button.Pressed, "#bench-start")
    def _start(self, event: Button.Pressed) -> None:
        event.stop()
        if self.running:
            self.notify("A bench is running: Esc or Stop ends it first.", severity="warning")
            return
        form = self.query_one(SetupForm)
        try:
            request = form.request()
        except ValueError as exc:
            form.say(str(exc))
            return
        form.say("")
        self._show_run()
        self._worker = self.run_bench(request)

    def _show_run(self) -> None:
        """The Run tab, focus moved there at once: the Start button it came from is in the Setup pane,
        and a focused widget in a hidden pane brings its pane back (so would a dialog over this screen,
        restoring that focus when it closes)."""
        self.query_one(TabbedContent).active = "bench-run"
        self.query_one(FIRST_FOCUS["bench-run"]).focus()

    # -- the run --------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.run_state is not None and self.run_state.active

    @work(exclusive=True, group="bench-run", exit_on_error=False)
    async def run_bench(self, request: BenchRequest) -> None:
        state = self.run_state = BenchRun(request, RunInfo(time.time(), glmtui_version=__version__))
        state.info = replace(state.info, plan=state.plan_dict())
        live = self.query_one("#bench-live", ResultsView)
        live.show([])
        self._show_stop(True)  # usable from the start: the pre-flight can wait long on a slow endpoint
        try:
            runners = await self._preflight(state, request)
        except asyncio.CancelledError:
            self._stopped_early(state)
            raise
        if runners is None:
            self._stopped_early(state)
            return
        self.query_one("#bench-preflight", Static).update(state.preflight_text())
        if not state.runnable(runners):
            self._say_current(
                "Nothing left to run after the pre-flight (above): change the models or lengths."
            )
            state.active = False
            self._show_stop(False)
            self._show_run()
            return
        await self._run(state, runners, live)

    async def _preflight(self, state: BenchRun, request: BenchRequest) -> list[BenchRunner] | None:
        """Each endpoint's version and models, the fit; the won't-fit question. None: stopped there."""
        app = self.app
        self._say_current("Pre-flight: asking each endpoint for its version and models…")
        machine = machine_from(app.monitor.sample or await app.sample_now())
        runners, unusable = self._runners(request.plans(), machine)
        checks = [p for runner in runners for p in await runner.preflight()]
        wont = [p for p in checks if p.kind == "wont-fit"]
        if wont and not request.force:
            question = Text("Will not fit, by the estimate:\n", style="bold")
            for problem in wont:
                question.append(f"• {problem.message.rpartition(';')[0]}\n", style="")
            question.append("\nRun them anyway? (No: they are skipped, the rest runs.)")
            answer = await app.push_screen_wait(WontFitScreen(question))
            if answer is None:  # Esc: stop the bench
                return None
            if answer:
                runners, unusable = self._runners([replace(r.plan, force=True) for r in runners], machine)
                checks = [p for runner in runners for p in await runner.preflight()]
        state.preflight(unusable, checks)
        return runners

    def _stopped_early(self, state: BenchRun) -> None:
        """Stopped before any cell ran (the pre-flight, the won't-fit question): nothing to save."""
        state.active = False
        if isinstance(self.app.screen, WontFitScreen):
            self.app.screen.dismiss(None)  # stopped from elsewhere while the question was up
        if self.is_mounted:
            self._show_stop(False)
            self._say_current("Stopped during the pre-flight: nothing was run.")
        self.app.notify("Bench stopped during the pre-flight: nothing was run.", title="Bench", timeout=6)

    def _show_stop(self, shown: bool) -> None:
        stop = self.query_one("#bench-stop", Button)
        stop.disabled, stop.display = not shown, shown  # only while a bench runs

    def _runners(self, plans: list[BenchPlan], machine: object) -> tuple[list[BenchRunner], list[str]]:
        app = self.app
        runners, unusable = [], []
        for plan in plans:
            name = plan.endpoints[0]
            endpoint = app.endpoints.get(name)
            try:
                engine = app.endpoints.engine(name)
            except (GlmTuiError, KeyError) as exc:
                unusable.append(f"{name}: {exc}")
                continue
            local = endpoint.local if endpoint is not None else False
            nvml = bench_nvml() if local else None
            runners.append(
                BenchRunner(
                    plan,
                    [BenchTarget(name, engine, local)],
                    machine=machine if local else None,  # type: ignore[arg-type]
                    settings=app.server_settings if name == app.endpoint else None,
                    nvml=nvml,
                )
            )
        return runners, unusable

    async def _run(self, state: BenchRun, runners: list[BenchRunner], live: ResultsView) -> None:
        app = self.app
        store = app.journal.store
        state.run_id = await app.journal.run(bench_store.start_run, store, state.info) if store else None
        if state.run_id is None:
            state.unsaved_reason = (
                "no history database this run"
                if store is None
                else "the history database could not be written"
            )
        models = tuple(dict.fromkeys(r.model for r in state.request.refs))
        earlier = (
            await app.journal.run(bench_store.earlier_cells, store, models, before_run=state.run_id)
            if store
            else None
        )
        state.earlier = earlier or []
        bar = self.query_one("#bench-bar", ProgressBar)
        bar.update(total=state.total_steps(runners), progress=0)

        async def save(cell: CellResult) -> None:
            if state.run_id is not None and store is not None:
                saved = await app.journal.run(bench_store.save_cell, store, state.run_id, cell)
                if saved is None:
                    state.unsaved_cells += 1

        stopped = False
        try:
            for runner in runners:
                runner.save = save
                runner.on_event = lambda event, r=runner: self._event(state, r, event)  # type: ignore[misc]
                self._bench_task = asyncio.ensure_future(runner.run())
                try:
                    await self._bench_task
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise  # the screen itself is going away: the finally below says so
                    stopped = True
                    break
                finally:
                    state.gpus += tuple(g for g in runner.gpus if g not in state.gpus)
                    state.offset += len(runner.plan.cells())
        finally:
            if self._bench_task is not None and not self._bench_task.done():
                self._bench_task.cancel()  # the worker was cancelled (the screen left): stop the runner too
                stopped = True
            self._bench_task = None
            state.active = False
            if self.is_mounted:
                self._show_stop(False)
            self._finished(state, stopped, live)

    def _event(self, state: BenchRun, runner: BenchRunner, event: BenchEvent) -> None:
        bar = self.query_one("#bench-bar", ProgressBar)
        if isinstance(event, CellStarted):
            state.current = (event.key, 0, runner.plan.max_reps)
        elif isinstance(event, RepDone):
            if state.current is not None:
                state.current = (state.current[0], event.rep, state.current[2])
            bar.advance(1)
        elif isinstance(event, CellDone):
            state.cells.append(event.cell)
            bar.advance(max(0, runner.plan.max_reps - len(event.cell.reps)))
            self.query_one("#bench-live", ResultsView).add(event.cell)
        if isinstance(event, (CellStarted, RepDone)):
            self._say_current(state.current_text(event))

    def _finished(self, state: BenchRun, stopped: bool, live: ResultsView) -> None:
        """Close the run in the store, show the comparisons, say how it ended."""
        status = state.status(stopped)
        state.info = RunInfo(
            state.info.created_at, state.gpus, __version__, state.plan_dict(), status, state.run_id
        )
        app = self.app
        if state.run_id is not None and app.journal.store is not None:
            # An app-level worker: it still runs when this screen is being taken away.
            app.run_worker(
                app.journal.run(bench_store.finish_run, app.journal.store, state.run_id, status, state.gpus),
                group="bench-finish",
                exit_on_error=False,
            )
        lines = comparison_lines(state.cells, state.earlier)
        if self.is_mounted:
            live.set_lines(lines)
            self._say_current(state.ending(stopped))
        app.notify(state.ending(stopped), title="Bench", timeout=8)

    def _say_current(self, text: str) -> None:
        self.query_one("#bench-current", Static).update(Text(text))

    def action_stop(self) -> None:
        """Stop the bench at any stage: the runs (the runner's task: the cell under way is kept when it
        has runs) or before them (the whole worker: the pre-flight, the won't-fit question)."""
        if self._bench_task is not None and not self._bench_task.done():
            self._say_current("Stopping… the finished cells are kept.")
            self._bench_task.cancel()
        elif self._worker is not None and self._worker.is_running:
            self._worker.cancel()

    # -- BusyScreen: navigation asks before covering a running bench (commands.gate) ------------------

    def busy_with(self) -> str | None:
        return "A bench is running" if self.running else None

    async def stop_busy(self) -> None:
        worker = self._worker
        self.action_stop()
        if worker is not None:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):  # it has ended either way
                await worker.wait()

    @on(Button.Pressed, "#bench-stop")
    def _stop(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_stop()

    def action_back(self) -> None:
        if self.running:
            self.action_stop()
            return
        self.app.pop_screen()

    # -- export ---------------------------------------------------------------------------------------

    def action_export(self) -> None:
        tab = self.query_one(TabbedContent).active
        shown = self.query_one(SavedRuns).shown_run
        if tab == "bench-runs" and shown is not None:
            info, cells = shown
        elif self.run_state is not None and self.run_state.cells:
            info, cells = self.run_state.export_info(), self.run_state.cells
        else:
            self.notify("Nothing to export yet: run a bench, or open an earlier run.", timeout=4)
            return

        def done(path: object) -> None:
            if path is not None:
                self.notify(f"Saved to {path}", title="Export", timeout=6)

        self.app.push_screen(ExportScreen(cells, info, data_dir() / "exports"), done)

    # -- earlier runs ---------------------------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "bench-runs":
            live = self.run_state.run_id if self.running and self.run_state is not None else None
            self.query_one(SavedRuns).load(live)
        # Focus left inside a pane that is now hidden would bring that pane straight back (TabbedContent
        # activates the pane of a focused descendant): move it into the shown pane. Focus on the tab
        # bar stays there, so ← → keep switching tabs.
        focused = self.focused
        if (
            focused is not None
            and focused not in event.pane.walk_children()
            and not isinstance(focused, Tabs)
        ):
            first = FIRST_FOCUS.get(event.pane.id or "")
            if first:
                self.query_one(first).focus()

    @property
    def saved_rows(self) -> list[RunRow]:
        """The saved runs listed in the Earlier runs tab."""
        return self.query_one(SavedRuns).rows

    def open_run(self, run_id: int) -> None:
        """Open a saved run in the Earlier runs tab."""
        self.query_one(SavedRuns).open_run(run_id)
