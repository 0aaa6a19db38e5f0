"""Sides: the compare screen's two models — installed?, their facts, the run mode, pulls, a new pick.

Each side is a model on an endpoint (`PaneModel.endpoint`): its list, facts and pulls are that
endpoint's, and where the two endpoints are decides the run mode before any fit does.

A helper object the screen owns (not a mixin): it holds the run-mode state and does the I/O through
the `AppLink`, applying the plain rules of `models.py` to the two panes it is given. What it cannot
decide alone (repainting the screen) goes back through the `changed` callable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.widget import Widget

from glmtui.core.catalog import Catalog
from glmtui.core.endpoints import ModelRef
from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.state import ModelInfo, PullProgress
from glmtui.core.think import next_think
from glmtui.screens.compare.app_link import AppLink
from glmtui.screens.compare.models import (
    Notice,
    check_model,
    pull_target,
    pull_update,
    run_mode,
    waiting_notice,
)
from glmtui.services.compare import RunMode
from glmtui.widgets.compare_pane import ComparePane


class Sides:
    """Both panes' models and the run mode that follows from them."""

    def __init__(
        self,
        owner: Widget,
        link: AppLink,
        catalog: Callable[[], Catalog],
        panes: Callable[[], tuple[ComparePane, ComparePane]],
        changed: Callable[[], None],
    ) -> None:
        self._owner = owner  # notifies and runs the workers
        self._link = link
        self._catalog = catalog  # the screen's, read each time (one answer with its model picker)
        self._panes = panes
        self._changed = changed
        self.mode: RunMode = "sequential"
        self.mode_reason = "working out whether both fit…"
        self.mode_by_user = False

    async def installed(self, endpoint: str) -> list[ModelInfo] | None:
        """The endpoint's models, or None (and a note) when it cannot answer."""
        try:
            return await self._link.installed(endpoint)
        except GlmTuiError as exc:
            self._owner.notify(f"{exc.message} — {exc.hint}", title="Compare", severity="error", timeout=4)
            return None

    async def installed_all(self, needs_model: bool) -> dict[str, list[ModelInfo]] | None:
        """Both sides' endpoints' models (one list per endpoint), or None while one cannot list yet."""
        lists: dict[str, list[ModelInfo]] = {}
        for endpoint in dict.fromkeys(pane.state.endpoint for pane in self._panes()):
            if not self._link.can_list(endpoint, needs_model):
                return None
            found = await self.installed(endpoint)
            if found is None:
                return None
            lists[endpoint] = found
        return lists

    async def check(self, pane: ComparePane, installed: list[ModelInfo]) -> None:
        """`check_model` for one side on its endpoint, its notice shown."""
        link, endpoint = self._link, pane.state.endpoint
        pane.state.pull_refused = self._pull_problem(endpoint) or ""
        notice = await check_model(
            pane.state,
            installed,
            link.library_of(endpoint),
            self._catalog(),
            host=link.host_of(endpoint),
            hidden=pane.hidden,
            pull_hint=pane.state.pull_refused or "F7 pulls it",
        )
        if notice is not None:
            await self.tell(pane, notice)

    def _pull_problem(self, endpoint: str) -> str | None:
        """Why F7 cannot pull onto this endpoint (a sentence), or None when it can: its engine pulls,
        and it is the chat's endpoint (the app's pulls go to the chat's server)."""
        capabilities = self._link.capabilities(endpoint)
        if not capabilities.pull:
            return capabilities.why_not("pull models").rstrip(".")
        if endpoint != self._link.endpoint:
            return (
                f"Pulls go to the chat's endpoint ({self._link.endpoint}): to pull onto {endpoint}, move "
                "the chat there (F4 in the chat)"
            )
        return None

    def waiting(self, endpoint: str) -> Notice:
        """A pane's notice while its endpoint does not list its models (Ollama's words for Ollama)."""
        engine = self._link.engine(endpoint)
        server = "Ollama" if engine.kind == "ollama" else f"The server of {endpoint}"
        return waiting_notice(engine.host, server)

    async def tell(self, pane: ComparePane, notice: Notice) -> None:
        if notice.toast:
            self._owner.notify(notice.text, title="Compare", severity="warning")
        else:
            await pane.chat.log_view.add_notice(Text(notice.text, style=notice.style))

    async def choose_mode(self) -> None:
        """Parallel when both fit together (unless the user chose): asked after every model change."""
        a, b = self._panes()
        a.same_as_other = b.same_as_other = same_model(a.model, b.model) and a.endpoint == b.endpoint
        if self.mode_by_user:
            return
        places = (self._link.place(a.endpoint), self._link.place(b.endpoint))
        machine = await self._link.machine()
        self.mode, self.mode_reason = run_mode(a.state, b.state, machine, self._catalog(), places)

    def toggle_mode(self) -> None:
        self.mode = "parallel" if self.mode == "sequential" else "sequential"
        self.mode_by_user = True

    def on_pulls(self, jobs: tuple[PullProgress, ...]) -> None:
        """Each pull update: a missing side shows its pull, and is checked again when it ends."""
        for pane in self._panes():
            if pane.installed or pane.endpoint != self._link.endpoint:
                continue  # the app's pulls go to the chat's endpoint: another's missing model is not theirs
            ended = pull_update(pane.state, jobs)
            if ended is not None:
                self._owner.run_worker(
                    self._pull_ended(pane, ended), group=f"compare-pulled-{pane.side}", exit_on_error=False
                )
            pane.refresh_title()

    async def _pull_ended(self, pane: ComparePane, job: PullProgress) -> None:
        if job.state == "failed":
            await pane.chat.log_view.add_notice(Text(f"✗ Pull failed: {job.error}", style="bold red"))
            return
        installed = await self.installed(pane.endpoint)
        if installed is None:
            return
        await self.check(pane, installed)
        await self.choose_mode()
        await pane.chat.log_view.add_notice(
            Text("✓ Installed: the next prompt goes to this pane too.", style="green")
        )
        self._changed()

    async def set_model(self, pane: ComparePane, picked: ModelRef) -> None:
        """A model (on an endpoint) picked for one side: check it, and the run mode again."""
        pane.state.model = picked.model
        pane.state.endpoint = picked.endpoint or self._link.endpoint
        pane.model_loading = False
        installed = await self.installed(pane.endpoint)
        if installed is None:
            return
        await self.check(pane, installed)
        await self.choose_mode()
        self._changed()
        where = "" if pane.installed else " (being pulled)"
        name = pane.label if self._link.several else picked.model
        self._owner.notify(f"Pane {pane.letter}: {name}{where}", timeout=3)

    def pull_missing(self, active: str) -> None:
        """Pull the missing model of the focused side first, else the other's."""
        panes = sorted(self._panes(), key=lambda p: p.side != active)
        target = pull_target([p.state for p in panes])
        if isinstance(target, str):
            self._owner.notify(target, timeout=2)
            return
        if (refused := self._pull_problem(target.endpoint)) is not None:
            self._owner.notify(f"{refused}.", title="Pull", timeout=5)
            return
        # A model the catalogue says needs a newer Ollama: the registry would refuse it (412) anyway.
        problem = self._catalog().needs_newer(target.model, self._link.server_version)
        problem = f"{problem}: update Ollama first." if problem else self._link.request_pull(target.model)
        if problem is not None:
            self._owner.notify(problem, title="Pull", severity="error")
            return
        target.pull = PullProgress(target.model)
        next(p for p in panes if p.state is target).refresh_title()

    def cycle_think(self, pane: ComparePane) -> None:
        """The next think setting for one side's model (levels for gpt-oss, else on/off)."""
        current = pane.think
        if current is None and not pane.think_unknown:
            self._owner.notify(f"Pane {pane.letter}'s model does not think: nothing to switch.", timeout=3)
            return
        pane.state.think_pref = next_think(pane.model, current)
        pane.state.think_chosen = True
        pane.refresh_title()

    async def set_options(self, pane: ComparePane, options: dict[str, Any]) -> None:
        pane.set_options(options)
        await self.choose_mode()  # num_ctx changes what the fit needs
        self._changed()

    def shuffle(self, rng: random.Random) -> None:
        """A blind run: the models change sides half the time (each with everything known about it)."""
        if rng.random() < 0.5:
            a, b = self._panes()
            a.state, b.state = b.state, a.state
