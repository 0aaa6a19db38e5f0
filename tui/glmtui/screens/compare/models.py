"""The compare screen's models: which two, whether they are installed, their facts, the run mode, pulls.

A mixin of CompareScreen (kept apart so each file stays readable): everything here is about getting
both panes a model they can use, and keeping the run mode in step with what those models need.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work

from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import DEFAULT_CONTEXT, machine_from, vram_need
from glmtui.core.model_names import same_model
from glmtui.core.state import ModelInfo, PullProgress
from glmtui.services.compare import choose_mode
from glmtui.services.trace import trace
from glmtui.widgets.compare_pane import ComparePane
from glmtui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from glmtui.screens.compare.screen import CompareScreen

    _Base = CompareScreen
else:
    _Base = object


class CompareModels(_Base):
    """Preparing, checking and switching the two panes' models; pulling a missing one."""

    # -- getting ready: which models, installed?, facts, run mode --------------------------------

    @work(exclusive=True, group="compare-prepare", exit_on_error=False)
    async def prepare(self) -> None:
        """Resolve both models and check them. Waits for Ollama as long as it takes (saying so after
        a while, with the prompt kept in the box), so the screen is never stuck half-ready."""
        app = self.glm
        loop = asyncio.get_running_loop()
        said_so_at: float | None = loop.time() + self.connect_wait_s
        while True:
            needs_model = not self.pane("a").settings.model
            if app.connection == "online" and (app.model or not needs_model):
                installed = await self._installed()
                if installed is not None:
                    break
            if said_so_at is not None and loop.time() > said_so_at:
                said_so_at = None
                for pane in self.panes:
                    await pane.chat.log_view.add_notice(
                        Text(
                            f"✗ Ollama at {app.config.host} is not answering, or has no model yet: nothing was "
                            "sent. The prompt is in the box; this screen gets ready by itself when it is back.",
                            style="bold red",
                        )
                    )
                if self._prompt:
                    self.query_one(PromptInput).insert(self._prompt)
                    self._prompt = None
            await asyncio.sleep(0.2)
        names = [m.name for m in installed]
        a, b = self.panes
        if not a.settings.model:
            a.settings.model = app.model
        if not b.settings.model:
            b.settings.model = default_partner(a.model, names)
        await asyncio.gather(*(self._check_model(pane, installed) for pane in self.panes))
        await self._choose_mode()
        self.ready = True
        self._refresh_all()
        trace("compare_ready", mode=self.mode)
        if self._prompt:
            prompt, self._prompt = self._prompt, None
            await self.send_round(prompt)

    async def _installed(self) -> list[ModelInfo] | None:
        """`/api/tags`, or None (and a note) when Ollama cannot answer."""
        try:
            return await self.glm.library.installed()
        except GlmTuiError as exc:
            self.notify(f"{exc.message} — {exc.hint}", title="Compare", severity="error", timeout=4)
            return None

    async def _check_model(self, pane: ComparePane, installed: list[ModelInfo]) -> None:
        """Installed? Then its facts (thinking, sizes for the fit); if not, say so and offer the pull."""
        app = self.glm
        match = next((m for m in installed if same_model(pane.model, m.name)), None)
        pane.installed = match is not None
        pane.details = None
        if match is None:
            variant = self.catalog.find(pane.model)
            pane.weights = variant.size_bytes if variant else None
            who = "This pane's model" if pane.hidden else pane.model
            size = f" ({variant.size_bytes / 1e9:.0f} GB download)" if variant else ""
            await pane.chat.log_view.add_notice(
                Text(
                    f"✗ {who} is not installed on {app.config.host}{size}. F7 pulls it; the other pane still runs.",
                    style="bold",
                )
            )
            return
        pane.weights = match.size
        try:
            pane.details = await app.library.details(match.name)
        except GlmTuiError as exc:
            self.notify(f"{pane.model}: {exc.message}", title="Compare", severity="warning")

    def _need(self, pane: ComparePane) -> int | None:
        """Bytes this side needs in VRAM: weights plus the f16 KV cache at its context."""
        if pane.weights is None:
            return None
        details, variant = pane.details, self.catalog.find(pane.model)
        needed, _, _ = vram_need(
            pane.weights,
            details.model_info if details else None,
            variant.kv if variant else None,
            pane.settings.options.get("num_ctx") or DEFAULT_CONTEXT,
            details.context_length if details else None,
        )
        return needed

    async def _choose_mode(self) -> None:
        a, b = self.panes
        same = same_model(a.model, b.model)
        a.same_as_other = b.same_as_other = same
        if self.mode_by_user:
            return
        machine = machine_from(await self.glm.sample_now())
        self.mode, self.mode_reason = choose_mode(self._need(a), self._need(b), same, machine.vram_total)

    def _on_pulls(self, jobs: tuple[PullProgress, ...]) -> None:
        for pane in self.panes:
            if pane.installed:
                continue
            job = next((j for j in jobs if same_model(j.name, pane.model)), None)
            was = pane.pull
            pane.pull = job
            if (
                job is not None
                and job.state in ("done", "failed")
                and (was is None or was.state != job.state)
            ):
                self.run_worker(
                    self._pull_ended(pane, job), group=f"compare-pulled-{pane.side}", exit_on_error=False
                )
            pane.refresh_title()

    async def _pull_ended(self, pane: ComparePane, job: PullProgress) -> None:
        if job.state == "failed":
            await pane.chat.log_view.add_notice(Text(f"✗ Pull failed: {job.error}", style="bold red"))
            return
        installed = await self._installed()
        if installed is None:
            return
        await self._check_model(pane, installed)
        await self._choose_mode()
        await pane.chat.log_view.add_notice(
            Text("✓ Installed: the next prompt goes to this pane too.", style="green")
        )
        self._refresh_all()

    def action_pick_model(self) -> None:
        from glmtui.screens.models import ModelsScreen

        if not self.run.revealed:
            self.notify("This blind run hides the models: vote (F6) or start a new one (Ctrl+N) first.")
            return
        pane = self.pane(self.active)
        if pane.chat.is_busy:
            self.notify(f"Pane {pane.letter} is streaming: stop it (F8) or let it finish first.", timeout=3)
            return
        self.app.push_screen(
            ModelsScreen("installed", pick_for=f"pane {pane.letter}", current=pane.model),
            lambda name: self.run_worker(self._set_model(pane, name), exit_on_error=False) if name else None,
        )

    async def _set_model(self, pane: ComparePane, name: str) -> None:
        pane.settings.model = name
        pane.model_loading = False
        installed = await self._installed()
        if installed is None:
            return
        await self._check_model(pane, installed)
        await self._choose_mode()
        self._refresh_all()
        self.notify(f"Pane {pane.letter}: {name}" + ("" if pane.installed else " (being pulled)"), timeout=3)

    def action_pull_missing(self) -> None:
        order = sorted(self.panes, key=lambda p: p.side != self.active)
        if any(p.installed is None for p in self.panes):
            self.notify("Still checking which models are installed.", timeout=2)
            return
        pane = next((p for p in order if p.installed is False), None)
        if pane is None:
            self.notify("Both models are installed.", timeout=2)
            return
        problem = self.glm.pulls.request(pane.model)
        if problem is not None:
            self.notify(problem, title="Pull", severity="error")
            return
        pane.pull = PullProgress(pane.model)
        pane.refresh_title()


def default_partner(model: str, installed: list[str]) -> str:
    """B's default: another variant of A's family if one is installed, else the next model, else A."""
    family = model.split(":")[0].lower()
    others = [name for name in installed if not same_model(name, model)]
    for name in others:
        if name.split(":")[0].lower() == family:
            return name
    return others[0] if others else model
