"""The A/B compare screen: one prompt, two models side by side, their figures compared.

Each side is a `ComparePane` with its own ChatPane (own worker, own history), so the sides stream,
stop and fail independently. This screen owns what spans both: the run mode (parallel, or A then B
so two large models do not evict each other), the rounds, the comparison strip, blind runs and votes
(what the keys do to the run as a whole is `RunActions`', run_actions.py).
"""

from __future__ import annotations

import asyncio
import random
from functools import cached_property, partial
from typing import cast

from textual import events, getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Static

from glmtui.core.catalog import load_catalog
from glmtui.core.state import PullProgress
from glmtui.keys import key_hint
from glmtui.screens.compare import rounds
from glmtui.screens.compare.app_link import AppLink
from glmtui.screens.compare.models import fill_models
from glmtui.screens.compare.prompt_set import PromptSetRun
from glmtui.screens.compare.run_actions import RunActions
from glmtui.screens.compare.sides import Sides
from glmtui.screens.dialogs.answers import on_answer
from glmtui.services.compare import CompareRun, Round
from glmtui.services.prompt_sets import PromptSet
from glmtui.services.trace import trace
from glmtui.surface import AppSurface
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.compare_pane import ComparePane
from glmtui.widgets.compare_strip import ComparisonStrip
from glmtui.widgets.footer import QuietFooter
from glmtui.widgets.prompt_input import PromptInput

CONNECT_WAIT_S = 15.0  # waiting longer than this for Ollama, the panes say so (and keep waiting)


class CompareScreen(RunActions, Screen[None]):
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
        Binding("f9", "prompt_set", "Prompt set", id="compare-prompt-set"),
        Binding("f10", "skip_prompt", "Skip prompt", id="compare-skip-prompt"),  # during a prompt set
        Binding("ctrl+q", "app.quit", "Quit", show=False, id="compare-quit"),
    ]

    def __init__(
        self,
        model_a: str | None,
        model_b: str | None,
        prompt: str | None = None,
        *,
        rng: random.Random | None = None,
        reopen: CompareRun | None = None,
        prompt_set: PromptSet | None = None,
    ) -> None:
        super().__init__()
        self._wanted = (model_a, model_b)
        self._prompt = prompt
        self._rng = rng or random.Random()
        self.catalog = load_catalog()  # read once: sizes and KV shapes of models not installed yet
        self.run = reopen or CompareRun()
        self._reopened = reopen is not None and bool(reopen.rounds)  # its turns go into the panes
        self._start_set = prompt_set  # `--prompt-set`: started once both models are checked
        self.prompt_set: PromptSetRun | None = None
        """The prompt set in progress (F9), or None."""
        self.ready = False  # models resolved and checked: prompts can go out
        self.active = "a"

    def compose(self) -> ComposeResult:
        yield Static(id="compare-title")
        with Container(id="panes"):
            wanted = self._reopened_models() if self._reopened else self._wanted
            for side, model in zip("ab", wanted, strict=False):
                yield self.link.new_pane(side, model or "")
        yield ComparisonStrip(id="strip")
        keymap = self.app.config.keymap  # the keys actually bound, after [keymap]
        stop, pane = (key_hint(keymap, i, CompareScreen) for i in ("compare-stop", "compare-stop-pane"))
        yield PromptInput(
            id="compare-prompt",
            placeholder=f"One prompt for both  (Enter sends · {stop} stops both · {pane} the focused one)",
        )
        yield QuietFooter()

    def on_mount(self) -> None:
        self.link.follow_pulls(self, self.sides.on_pulls)
        self._live_timer = self.set_interval(self.link.live_tick_s(self.LIVE_TICK_S), self._tick, pause=True)
        self._set_active("a")
        self.query_one(PromptInput).focus()
        self.refresh_all()
        self.prepare()

    # -- the app: reached only through `self.link` (app_link.AppLink), over the AppSurface -----------

    app = getters.app(AppSurface)

    @cached_property
    def link(self) -> AppLink:
        return AppLink(self.app)

    @cached_property
    def sides(self) -> Sides:
        """The two models and the run mode (sides.py)."""
        return Sides(self, self.link, lambda: self.catalog, lambda: self.panes, self.refresh_all)

    def _save_run(self) -> None:
        """Into the journal: the prompt and who it went to as soon as it is sent, the replies and the vote
        as they come (a quit mid-round loses nothing)."""
        self.run_worker(self.link.save(self.run), group="compare-save", exit_on_error=False)

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

    # -- the models: which two, installed?, facts, run mode, pulls (sides.py, models.py) ----------

    @work(exclusive=True, group="compare-prepare", exit_on_error=False)
    async def prepare(self) -> None:
        """Resolve both models and check them. Waits for Ollama as long as it takes (saying so after
        a while, with the prompt kept in the box), so the screen is never stuck half-ready."""
        loop = asyncio.get_running_loop()
        said_so_at: float | None = loop.time() + self.connect_wait_s
        a, b = self.panes
        if self._reopened:
            await self._show_reopened()
        while True:
            lists = await self.sides.installed_all(needs_model=not a.model)
            if lists is not None:
                break
            if said_so_at is not None and loop.time() > said_so_at:
                said_so_at = None
                for pane in self.panes:
                    await self.sides.tell(pane, self.sides.waiting(pane.endpoint))
                if self._prompt:
                    self.query_one(PromptInput).insert(self._prompt)
                    self._prompt = None
            await asyncio.sleep(0.2)
        fill_models(a.state, b.state, self.link.chat_model, [m.name for m in lists[b.endpoint]])
        await asyncio.gather(*(self.sides.check(pane, lists[pane.endpoint]) for pane in self.panes))
        await self.sides.choose_mode()
        self.ready = True
        self.refresh_all()
        trace("compare_ready", mode=self.sides.mode)
        if self._prompt:
            prompt, self._prompt = self._prompt, None
            await self.send_round(prompt)
        if self._start_set is not None:
            chosen, self._start_set = self._start_set, None
            await self.start_prompt_set(chosen)

    def action_pick_model(self) -> None:
        from glmtui.screens.models import ModelsScreen

        if not self.run.revealed:
            self.notify("This blind run hides the models: vote (F6) or start a new one (Ctrl+N) first.")
            return
        pane = self.pane(self.active)
        if pane.chat.is_busy:
            self.notify(f"Pane {pane.letter} is streaming: stop it (F8) or let it finish first.", timeout=3)
            return
        # The same catalogue as this screen's: one answer to what a model needs.
        picker = ModelsScreen("installed", pick_for=f"pane {pane.letter}", catalog=self.catalog)
        picker.mark(pane.endpoint, pane.model)
        self.app.push_screen(picker, on_answer(self, partial(self.sides.set_model, pane)))

    def action_pull_missing(self) -> None:
        self.sides.pull_missing(self.active)

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
        round_ = Round(
            prompt, a.model, b.model, self.sides.mode, endpoint_a=a.endpoint, endpoint_b=b.endpoint
        )
        self.run.rounds.append(round_)
        await rounds.say_not_sent(self.panes)
        loaded = {pane.endpoint: await self.link.loaded_models(pane.endpoint) for pane in self.panes}
        await rounds.send_to_panes(self.panes, round_, self.sides.mode, loaded, self.link.engine)
        self._save_run()  # now (the prompt, who it went to) and again when it ends
        self._live_timer.resume()
        self.refresh_all()
        if round_.ended:
            self._round_ended()

    async def _start_b(self) -> None:
        b = self.pane("b")
        loaded = await self.link.loaded_models(b.endpoint)
        rounds.start_queued(b, self.run.rounds[-1] if self.run.rounds else None, loaded)

    def _pane_of(self, chat: ChatPane) -> ComparePane:
        return cast(ComparePane, chat.parent)

    async def on_chat_pane_finished(self, event: ChatPane.Finished) -> None:
        await self._reply_ended(self._pane_of(event.pane))
        self.link.reply_finished(event.turn)

    async def on_chat_pane_failed(self, event: ChatPane.Failed) -> None:
        pane = self._pane_of(event.pane)
        message, hint = rounds.error_text(pane, event.error)
        await pane.chat.log_view.add_error(message, hint)
        self.notify(message, title=f"Pane {pane.letter}", severity="error")
        await self._reply_ended(pane)
        self.link.reply_failed(event.error)

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
        self.refresh_all()
        self._save_run()

    def _tick(self) -> None:
        for pane in self.panes:
            if pane.chat.is_busy:
                pane.refresh_title()

    # -- showing ----------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Repaint what spans both panes: their titles, the screen title and the comparison strip."""
        for pane in self.panes:
            pane.hidden = not self.run.revealed
            pane.refresh_title()
        self._refresh_title()
        a, b = self.panes
        headers = rounds.names(self.run, a.label, b.label)
        rounds.show_strip(self.query_one(ComparisonStrip), self.run, headers, self.link.votes)

    def _refresh_title(self) -> None:
        progress = self.prompt_set.progress if self.prompt_set is not None else ""
        sides = self.sides
        text = rounds.title(sides.mode, sides.mode_reason, sides.mode_by_user, self.run.blind, progress)
        self.query_one("#compare-title", Static).update(text)

    # -- actions ----------------------------------------------------------------------------------

    async def action_stop_or_close(self) -> None:
        round_ = self.run.rounds[-1] if self.run.rounds else None
        if not self.busy and self.prompt_set is not None:
            self._end_prompt_set(stopped=True)  # the set stops here; a second Esc leaves the screen
            return
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
        self.sides.cycle_think(self.pane(self.active))

    def action_options(self) -> None:
        from glmtui.screens.compare.dialogs import PaneOptionsScreen

        pane = self.pane(self.active)
        self.app.push_screen(
            PaneOptionsScreen(f"Options for pane {pane.letter}", pane.state.options),
            on_answer(self, partial(self.sides.set_options, pane)),
        )

    def action_toggle_mode(self) -> None:
        self.sides.toggle_mode()
        self._refresh_title()
        self.notify(f"Run mode: {self.sides.mode} from the next prompt.", timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F10 (skip) is in the footer only while a prompt set runs."""
        if action == "skip_prompt":
            return self.prompt_set is not None
        return True

    # -- what the app asks of this screen ---------------------------------------------------------

    def streaming_models(self) -> list[str]:
        """The models streaming in either pane now (none before the panes are mounted, or once they
        are being removed: the app asks from a timer that can fire while it shuts down)."""
        return [model for pane in self.query(ComparePane) if (model := pane.chat.streaming_model)]

    async def stop_and_save(self) -> None:
        """Stop both panes and save the run as it stands (the app is quitting)."""
        if not self.is_mounted:
            return
        for pane in self.query(ComparePane):  # not self.panes: they may be on their way out
            await pane.chat.stop_and_wait()
        await self.link.save(self.run)

    def pull_finished(self, job: PullProgress) -> bool:
        """A pull ended while the comparison is on top: its pane says what follows."""
        self.notify(f"{job.name} is installed.", title="Pull", timeout=4)
        return True
