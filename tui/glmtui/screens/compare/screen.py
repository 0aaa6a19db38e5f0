"""The A/B compare screen: one prompt, two models side by side, their figures compared.

Each side is a `ComparePane` with its own ChatPane (own worker, own history), so the sides stream,
stop and fail independently. This screen owns what spans both: the run mode (parallel, or A then B
so two large models do not evict each other), the rounds, the comparison strip, blind runs and votes.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, cast

from rich.text import Text
from textual import events, getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer, Static

from glmtui.core.catalog import load_catalog
from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.state import PullProgress
from glmtui.core.think import next_think
from glmtui.paths import data_dir
from glmtui.screens.compare.models import CompareModels
from glmtui.services.compare import (
    CompareRun,
    Round,
    RunMode,
    Vote,
    VoteRecord,
    comparable,
    round_metrics,
    session_metrics,
    vote_summary,
)
from glmtui.services.compare_export import compare_markdown
from glmtui.services.conversation_export import write_export
from glmtui.surface import AppSurface
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.compare_pane import ComparePane, PaneSettings
from glmtui.widgets.compare_strip import ComparisonStrip
from glmtui.widgets.prompt_input import PromptInput

CONNECT_WAIT_S = 15.0  # waiting longer than this for Ollama, the panes say so (and keep waiting)


class CompareScreen(CompareModels, Screen[None]):
    """Two panes, one prompt box, the comparison strip."""

    CSS_PATH = "compare.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-stacked"), (120, "-side")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    LIVE_TICK_S = 0.5
    connect_wait_s = CONNECT_WAIT_S  # tests shorten it
    BINDINGS = [
        Binding("escape", "stop_or_close", "Stop both / back", id="compare-stop"),
        Binding("f8", "stop_focused", "Stop pane", id="compare-stop-pane"),
        Binding("f4", "pick_model", "Model", id="compare-model"),
        Binding("ctrl+t", "cycle_think", "Think", id="compare-think"),
        Binding("f5", "options", "Options", id="compare-options"),
        Binding("ctrl+r", "toggle_mode", "Run mode", id="compare-mode"),
        Binding("ctrl+b", "toggle_blind", "Blind", id="compare-blind"),
        Binding("f6", "vote", "Vote", priority=True, id="compare-vote"),
        Binding("f7", "pull_missing", "Pull", priority=True, id="compare-pull"),
        Binding("ctrl+s", "export", "Export", id="compare-export"),
        Binding("ctrl+n", "new_run", "New", id="compare-new"),
        Binding("ctrl+q", "app.quit", "Quit", show=False, id="compare-quit"),
    ]

    def __init__(
        self,
        model_a: str | None,
        model_b: str | None,
        prompt: str | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self._wanted = (model_a, model_b)
        self._prompt = prompt
        self._rng = rng or random.Random()
        self.catalog = load_catalog()  # read once: sizes and KV shapes of models not installed yet
        self.run = CompareRun()
        self.mode: RunMode = "sequential"
        self.mode_reason = "working out whether both fit…"
        self.mode_by_user = False
        self.ready = False  # models resolved and checked: prompts can go out
        self.active = "a"

    glm = getters.app(AppSurface)

    def compose(self) -> ComposeResult:
        app = self.glm
        config = app.config
        yield Static(id="compare-title")
        with Container(id="panes"):
            for side, model in zip("ab", self._wanted, strict=False):
                settings = PaneSettings(model or "", app.think_pref, dict(config.options))
                yield ComparePane(
                    side, app.service, settings, system=config.system, keep_alive=config.keep_alive
                )
        yield ComparisonStrip(id="strip")
        yield PromptInput(
            id="compare-prompt",
            placeholder="One prompt for both  (Enter sends · Esc stops both · F8 the focused one)",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.glm.pulls_signal.subscribe(self, self._on_pulls)
        tick = self.LIVE_TICK_S * (2 if self.glm.config.low_bandwidth else 1)
        self._live_timer = self.set_interval(tick, self._tick, pause=True)
        self._set_active("a")
        self.query_one(PromptInput).focus()
        self._refresh_all()
        self.prepare()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(ComparisonStrip).set_compact(self.size.height < 32)

    # -- panes ------------------------------------------------------------------------------------

    @property
    def panes(self) -> tuple[ComparePane, ComparePane]:
        return self.query_one("#pane-a", ComparePane), self.query_one("#pane-b", ComparePane)

    def pane(self, side: str) -> ComparePane:
        return self.query_one(f"#pane-{side}", ComparePane)

    def _set_active(self, side: str) -> None:
        self.active = side
        for pane in self.panes:
            pane.set_class(pane.side == side, "-active")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        for node in event.widget.ancestors_with_self:
            if isinstance(node, ComparePane):
                self._set_active(node.side)
                return

    @property
    def busy(self) -> bool:
        return any(pane.chat.is_busy for pane in self.panes)

    # -- sending and the rounds -------------------------------------------------------------------

    async def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        if self.busy:
            self.notify("A reply is still streaming: Esc stops both, F8 the focused one.", severity="warning")
            return
        if not self.ready:
            self.notify(
                "Waiting for Ollama to list the models: the prompt is kept; Enter again once this "
                "screen says ready.",
                severity="warning",
            )
            return
        event.input.clear()
        await self.send_round(event.text)

    async def send_round(self, prompt: str) -> None:
        a, b = self.panes
        if not (a.installed or b.installed):
            # Nothing can be sent: keep the prompt in the box rather than record an empty round.
            box = self.query_one(PromptInput)
            if not box.text:
                box.insert(prompt)
            self.notify(
                "Neither model is installed: F7 pulls the focused pane's. The prompt is kept.",
                severity="warning",
            )
            return
        round_ = Round(prompt, a.model, b.model, self.mode)
        self.run.rounds.append(round_)
        ready = [pane for pane in self.panes if pane.installed]
        for pane in self.panes:
            if not pane.installed:
                await pane.chat.log_view.add_notice(
                    Text("✗ Not sent: this pane's model is not installed. F7 pulls it.", style="bold red")
                )
        loaded = await self._loaded_models()
        for pane in ready:
            queued = self.mode == "sequential" and pane.side == "b" and a in ready
            pane.live = None  # the title must not show the last round's figures meanwhile
            turn = await pane.chat.send(
                prompt, pane.request(), queued="queued: runs when A has finished" if queued else None
            )
            setattr(round_, pane.side, turn)
            if round_.stopped:  # Esc came while the prompt was being shown: send nothing more
                pane.chat.stop()
            elif not queued:
                self._mark_loading(pane, loaded)
        round_.sent = True
        # Saved now (the prompt, who it went to) and again when it ends: a quit mid-round loses nothing.
        self.run_worker(self.glm.journal.compare_run(self.run), group="compare-save", exit_on_error=False)
        self._live_timer.resume()
        self._refresh_all()
        if round_.ended:
            self._round_ended()

    async def _loaded_models(self) -> list[str] | None:
        try:
            return [m.name for m in await self.glm.service.ps()]
        except GlmTuiError:
            return None  # unknown: no "loading model" label rather than a wrong one

    def _mark_loading(self, pane: ComparePane, loaded: list[str] | None) -> None:
        pane.model_loading = loaded is not None and not any(same_model(pane.model, name) for name in loaded)
        view = pane.chat.current_view
        if pane.model_loading and view is not None:
            view.set_waiting("loading model…")

    async def _start_b(self) -> None:
        b = self.pane("b")
        loaded = await self._loaded_models()
        round_ = self.run.rounds[-1] if self.run.rounds else None
        if round_ is not None and round_.stopped:
            b.chat.stop()  # Esc while A was ending: B's queued prompt is stopped, never sent
        elif b.chat.start_queued():
            self._mark_loading(b, loaded)

    def _pane_of(self, chat: ChatPane) -> ComparePane:
        return cast(ComparePane, chat.parent)

    async def on_chat_pane_finished(self, event: ChatPane.Finished) -> None:
        await self._reply_ended(self._pane_of(event.pane))
        self.glm.reply_finished(event.turn)

    async def on_chat_pane_failed(self, event: ChatPane.Failed) -> None:
        pane = self._pane_of(event.pane)
        message, hint = event.error.message, event.error.hint
        if pane.hidden:  # a blind run: Ollama's messages name the model
            message, hint = (part.replace(pane.model, "this pane's model") for part in (message, hint))
        await pane.chat.log_view.add_error(message, hint)
        self.notify(message, title=f"Pane {pane.letter}", severity="error")
        await self._reply_ended(pane)
        self.glm.reply_failed(event.error)

    async def _reply_ended(self, pane: ComparePane) -> None:
        b = self.pane("b")
        if pane.side == "a" and b.chat.is_queued:
            self.run_worker(
                self._start_b(), group="compare-start-b", exit_on_error=False
            )  # sequential: B's turn now
        pane.refresh_title()
        round_ = self.run.rounds[-1] if self.run.rounds else None
        if round_ is not None and round_.ended:
            self._round_ended()

    def _round_ended(self) -> None:
        if not self.busy:
            self._live_timer.pause()
        self._refresh_all()
        self.run_worker(self.glm.journal.compare_run(self.run), group="compare-save", exit_on_error=False)

    def _tick(self) -> None:
        for pane in self.panes:
            if pane.chat.is_busy:
                pane.refresh_title()

    # -- showing ----------------------------------------------------------------------------------

    def names(self) -> tuple[str, str]:
        a, b = self.panes
        if not self.run.revealed:
            return "A", "B"
        return f"A {a.model}", f"B {b.model}"

    def _refresh_all(self) -> None:
        for pane in self.panes:
            pane.hidden = not self.run.revealed
            pane.refresh_title()
        self._refresh_title()
        rounds = [r for r in self.run.rounds if r.ended]
        counted = len(comparable(rounds))
        notes: list[Text] = []
        if self.run.blind and not self.run.revealed and rounds:
            notes.append(
                Text("Blind run: F6 votes for the better side and reveals the models.", style="italic")
            )
        if self.run.vote is not None:
            notes += [Text(f"Votes: {line}", style="dim") for line in vote_summary(self.glm.compare_votes)]
        last = rounds[-1] if rounds else None
        self.query_one(ComparisonStrip).show(
            round_metrics(last) if last else [],
            session_metrics(rounds),
            names=self.names(),
            rounds=counted,
            notes=notes,
        )

    def _refresh_title(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("A/B compare", style="bold")
        text.append(f"  ·  {self.mode}", style="bold")
        text.append(f" ({'your choice' if self.mode_by_user else self.mode_reason})  ·  Ctrl+R switches")
        if self.run.blind:
            text.append("  ·  blind", style="bold yellow")
        self.query_one("#compare-title", Static).update(text)

    # -- actions ----------------------------------------------------------------------------------

    async def action_stop_or_close(self) -> None:
        round_ = self.run.rounds[-1] if self.run.rounds else None
        if not self.busy and (round_ is None or round_.sent):
            self.app.pop_screen()
            return
        if round_ is not None:
            round_.stopped = True  # a pane not sent yet (or queued) must not start after this
        a, b = self.panes
        b.chat.stop()  # B first: stopping A must not start a queued B
        a.chat.stop()

    def action_stop_focused(self) -> None:
        pane = self.pane(self.active)
        if not pane.chat.stop():
            self.notify(f"Pane {pane.letter} is not streaming.", timeout=2)

    def action_cycle_think(self) -> None:
        pane = self.pane(self.active)
        current = pane.think
        if current is None:
            self.notify(f"Pane {pane.letter}'s model does not think: nothing to switch.", timeout=3)
            return
        pane.settings.think_pref = next_think(pane.model, current)
        pane.refresh_title()

    def action_options(self) -> None:
        from glmtui.screens.compare.dialogs import PaneOptionsScreen

        pane = self.pane(self.active)
        self.app.push_screen(
            PaneOptionsScreen(f"Options for pane {pane.letter}", pane.settings.options),
            lambda options: (
                self.run_worker(self._set_options(pane, options), exit_on_error=False)
                if options is not None
                else None
            ),
        )

    async def _set_options(self, pane: ComparePane, options: dict[str, Any]) -> None:
        pane.set_options(options)
        await self._choose_mode()  # num_ctx changes what the fit needs
        self._refresh_title()

    def action_toggle_mode(self) -> None:
        self.mode = "parallel" if self.mode == "sequential" else "sequential"
        self.mode_by_user = True
        self._refresh_title()
        self.notify(f"Run mode: {self.mode} from the next prompt.", timeout=2)

    def action_toggle_blind(self) -> None:
        if not self.run.blind and not all(pane.installed for pane in self.panes):
            # A missing model is named by its notices and its pull: it could not stay hidden.
            self.notify("Blind runs need both models installed (F7 pulls a missing one).", timeout=4)
            return
        if self.run.rounds:
            from glmtui.screens.dialogs.confirm import ConfirmScreen

            on = "off" if self.run.blind else "on"
            message = Text(
                f"Turn blind mode {on}? That starts a new comparison: both panes are cleared "
                "(Ctrl+S exports this one first)."
            )
            self.app.push_screen(
                ConfirmScreen(message, yes="New comparison"),
                lambda yes: (
                    self.run_worker(self.new_run(not self.run.blind), exit_on_error=False) if yes else None
                ),
            )
            return
        self.run_worker(self.new_run(not self.run.blind), exit_on_error=False)

    async def action_new_run(self) -> None:
        await self.new_run(self.run.blind)

    async def new_run(self, blind: bool) -> None:
        """Clear both panes and start over; a blind run shuffles which model sits on which side."""
        for pane in self.panes:
            await pane.chat.stop_and_wait()
            pane.chat.conversation.turns.clear()
            await pane.chat.log_view.clear_turns()
            pane.model_loading = False
        self.run = CompareRun(blind=blind)
        if blind and self._rng.random() < 0.5:
            a, b = self.panes
            a.settings, b.settings = b.settings, a.settings
            a.details, b.details = b.details, a.details
            a.weights, b.weights = b.weights, a.weights
            a.installed, b.installed = b.installed, a.installed
            a.pull, b.pull = b.pull, a.pull
        self._refresh_all()
        if blind:
            self.notify(
                "Blind run: the models are on random sides and hidden until you vote (F6).", timeout=4
            )
        self.query_one(PromptInput).focus()

    def action_vote(self) -> None:
        from glmtui.screens.compare.dialogs import VoteScreen

        if not self.run.blind:
            self.notify("Votes are for blind runs: Ctrl+B starts one.", timeout=3)
            return
        if self.run.vote is not None:
            self.notify("This run is already voted on: Ctrl+N starts a new blind run.", timeout=3)
            return
        ended = [r for r in self.run.rounds if r.ended]
        if not ended or self.busy:
            self.notify("Vote once both replies have ended.", timeout=3)
            return
        self.app.push_screen(VoteScreen(len(ended)), self._voted)

    def _voted(self, vote: Vote | None) -> None:
        if vote is None:
            return
        a, b = self.panes
        self.run.vote = vote
        self.glm.compare_votes.append(VoteRecord(a.model, b.model, vote, len(self.run.rounds)))
        self.run_worker(self.glm.journal.compare_run(self.run), group="compare-save", exit_on_error=False)
        self._refresh_all()
        winner = {"a": f"A ({a.model})", "b": f"B ({b.model})", "tie": "a tie"}[vote]
        self.notify(f"You chose {winner}. A was {a.model}, B was {b.model}.", title="Blind vote", timeout=6)

    async def action_export(self) -> None:
        if not self.run.rounds:
            self.notify("Nothing to export yet: send a prompt first.", timeout=3)
            return
        text = compare_markdown(self.run, host=self.glm.config.host)
        try:
            path = await asyncio.to_thread(write_export, text, "glmtui-compare", data_dir() / "exports")
        except OSError as exc:
            self.notify(f"Could not write the export: {exc}", title="Export", severity="error")
            return
        self.notify(f"Saved to {path}", title="Export", timeout=6)
        self.last_export = path

    # -- what the app asks of this screen ---------------------------------------------------------

    def streaming_models(self) -> list[str]:
        """The models streaming in either pane now."""
        return [model for pane in self.panes if (model := pane.chat.streaming_model)]

    async def stop_and_save(self) -> None:
        """Stop both panes and save the run as it stands (the app is quitting)."""
        for pane in self.panes:
            await pane.chat.stop_and_wait()
        await self.glm.journal.compare_run(self.run)

    def pull_finished(self, job: PullProgress) -> bool:
        """A pull ended while the comparison is on top: its pane says what follows."""
        self.notify(f"{job.name} is installed.", title="Pull", timeout=4)
        return True
