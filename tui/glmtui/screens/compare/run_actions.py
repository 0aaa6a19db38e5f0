"""What the compare screen does with the run as a whole: blind or not, a new run, the vote, the
export, prompt sets (each prompt its own blind run, a vote after each), and a reopened run's models.

A mixin of `CompareScreen` (screen.py keeps the bindings, the panes, the models and the rounds): its
methods are the screen's own, typed against `RunHost`, what they use of it (a protocol: screen.py
imports this module).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from rich.text import Text
from textual.widget import Widget

from glmtui.screens.compare import prompt_set as sets
from glmtui.screens.compare import rounds
from glmtui.screens.compare.app_link import AppLink
from glmtui.screens.compare.prompt_set import SetHost
from glmtui.screens.compare.sides import Sides
from glmtui.screens.dialogs.answers import on_answer
from glmtui.services.compare import CompareRun, Vote
from glmtui.services.prompt_sets import PromptSet
from glmtui.surface import AppSurface
from glmtui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from textual.dom import DOMNode

W = TypeVar("W", bound=Widget)


class RunHost(SetHost, Protocol):
    """What the run's actions use of the compare screen, beyond what a prompt set does."""

    run: CompareRun
    last_export: Path
    _rng: random.Random

    @property
    def app(self) -> AppSurface: ...

    @property
    def link(self) -> AppLink: ...

    @property
    def sides(self) -> Sides: ...

    def query_one(self, selector: type[W]) -> W: ...

    def run_worker(self, work: Any, *, group: str = ..., exit_on_error: bool = ...) -> Any: ...

    def _save_run(self) -> None: ...

    async def _next_prompt(self) -> None: ...

    def _voted(self, vote: Vote | None) -> None: ...

    async def start_prompt_set(self, prompts: PromptSet) -> None: ...


def _node(host: RunHost) -> DOMNode:
    """The host as the DOM node it is (the compare screen): `on_answer` runs the answer's worker on it."""
    return cast("DOMNode", host)


class RunActions:
    """The compare screen's actions on the run as a whole (Ctrl+B, Ctrl+N, F6, Ctrl+S, F9, F10)."""

    last_export: Path
    """Where Ctrl+S last wrote the run (set once it has)."""

    def action_toggle_blind(self: RunHost) -> None:
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
                on_answer(_node(self), lambda _: self.new_run(not self.run.blind)),
            )
            return
        self.run_worker(self.new_run(not self.run.blind), exit_on_error=False)

    async def action_new_run(self: RunHost) -> None:
        await self.new_run(self.run.blind)

    async def new_run(self: RunHost, blind: bool, announce: bool = True) -> None:
        """Clear both panes and start over; a blind run shuffles which model sits on which side."""
        for pane in self.panes:
            await pane.chat.stop_and_wait()
            # A fresh conversation, not its turns cleared: the branch tree would keep the old run's turns,
            # and the new run's first prompt would count as an alternative of the old one's (‹ 2/2 ›).
            pane.chat.new_conversation(pane.chat.conversation.system)
            await pane.chat.log_view.clear_turns()
            pane.model_loading = False
        self.run = CompareRun(blind=blind)
        if blind:
            self.sides.shuffle(self._rng)
        self.refresh_all()
        if blind and announce:
            self.notify(
                "Blind run: the models are on random sides and hidden until you vote (F6).", timeout=4
            )
        self.query_one(PromptInput).focus()

    def action_vote(self: RunHost) -> None:
        from glmtui.screens.compare.dialogs import VoteScreen

        refusal = rounds.vote_refusal(self.run, self.busy)
        if refusal is not None:
            self.notify(refusal, timeout=3)
            return
        self.app.push_screen(VoteScreen(sum(r.ended for r in self.run.rounds)), self._voted)

    def _voted(self: RunHost, vote: Vote | None) -> None:
        if vote is None:
            return
        self.link.votes.append(rounds.vote_record(self.run, self.panes, vote))
        self._save_run()
        self.refresh_all()
        self.notify(rounds.vote_text(self.panes, vote), title="Blind vote", timeout=6)
        if self.prompt_set is not None:
            self.prompt_set.voted += 1
            self.run_worker(self._next_prompt(), group="prompt-set", exit_on_error=False)

    # -- prompt sets (prompt_set.py), reopened runs, the export ------------------------------------

    def action_prompt_set(self: RunHost) -> None:
        from glmtui.screens.compare.dialogs import PromptSetScreen

        if self.prompt_set is not None:
            self.notify("A prompt set is running: Esc stops it first.", timeout=3)
            return
        self.app.push_screen(PromptSetScreen(), on_answer(_node(self), self.start_prompt_set))

    async def start_prompt_set(self: RunHost, prompts: PromptSet) -> None:
        await sets.start(self, prompts)

    async def action_skip_prompt(self: RunHost) -> None:
        await sets.skip(self)

    async def _next_prompt(self: RunHost) -> None:
        await sets.next_prompt(self)

    def _end_prompt_set(self: RunHost, stopped: bool) -> None:
        sets.end(self, stopped)

    def _reopened_models(self: RunHost) -> tuple[str, str]:
        return rounds.reopened_models(self.run, self.link.endpoint_names)

    async def _show_reopened(self: RunHost) -> None:
        await rounds.show_reopened(self.panes, self.run)
        self.refresh_all()

    async def action_export(self: RunHost) -> None:
        if not self.run.rounds:
            self.notify("Nothing to export yet: send a prompt first.", timeout=3)
            return
        try:
            path = await rounds.export(self.run, self.link.host, self.link.urls)
        except OSError as exc:
            self.notify(f"Could not write the export: {exc}", title="Export", severity="error")
            return
        self.notify(f"Saved to {path}", title="Export", timeout=6)
        self.last_export = path
