"""AppLink: everything the compare package uses of the app, in one place.

The compare screen builds one from the `AppSurface` and reaches the app only through it, so the members the
comparison depends on are listed here and nowhere else: settings (host, think, options, system,
keep_alive, low bandwidth), the connection and the chat's model, the model library, `ps`, the pull
feed and its signal, GPU samples, the journal, the session's blind votes, and the reply hooks.
No UI here: errors are raised (or answered as None) and the screen decides what to say.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine, machine_from
from glmtui.core.state import ModelInfo, PullProgress, Turn
from glmtui.services.compare import CompareRun, PaneModel, VoteRecord
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.surface import AppSurface
from glmtui.widgets.compare_pane import ComparePane

if TYPE_CHECKING:
    from textual.dom import DOMNode


class AppLink:
    """The app as the compare screen sees it (a thin view over the `AppSurface`)."""

    def __init__(self, glm: AppSurface) -> None:
        self._glm = glm

    # -- settings and state --------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._glm.host  # the chat's endpoint's (the panes use its engine)

    @property
    def server_version(self) -> str | None:
        """The server's version ('0.15.5'), None until it is known."""
        return self._glm.server_version or None

    @property
    def chat_model(self) -> str:
        """The chat screen's model: A's when nobody named one."""
        return self._glm.model

    def can_list(self, needs_model: bool) -> bool:
        """Online, and with a model for A when nobody named one: worth asking for the installed list."""
        return self._glm.connection == "online" and bool(self._glm.model or not needs_model)

    def live_tick_s(self, base: float) -> float:
        """How often the streaming panes' titles are repainted: half as often on a slow link."""
        return base * (2 if self._glm.config.low_bandwidth else 1)

    def new_pane(self, side: str, model: str) -> ComparePane:
        """A side with the chat's think setting and options, the app's service, system and keep_alive."""
        glm, config = self._glm, self._glm.config
        state = PaneModel(model, glm.think_pref, dict(config.options))
        return ComparePane(
            side,
            glm.service,
            state,
            system=config.system,
            keep_alive=config.keep_alive,
            low_bandwidth=bool(config.low_bandwidth),
        )

    # -- Ollama and the machine ----------------------------------------------------------------------

    @property
    def library(self) -> ModelLibrary:
        return self._glm.library

    async def installed(self) -> list[ModelInfo]:
        """`/api/tags` (GlmTuiError when Ollama cannot answer)."""
        return await self._glm.library.installed()

    async def loaded_models(self) -> list[str] | None:
        """The models in memory (`/api/ps`); None when unknown."""
        try:
            return [m.name for m in await self._glm.service.ps()]
        except GlmTuiError:
            return None  # unknown: no "loading model" label rather than a wrong one

    async def machine(self) -> Machine:
        """This machine's GPUs and RAM, sampled now, for the run-mode fit."""
        return machine_from(await self._glm.sample_now())

    def request_pull(self, name: str) -> str | None:
        """Queue a pull in the app's feed; the problem, as a sentence, when it cannot be queued."""
        return self._glm.pulls.request(name)

    def follow_pulls(self, owner: DOMNode, callback: Callable[[tuple[PullProgress, ...]], None]) -> None:
        """Every pull update, for as long as `owner` lives."""
        self._glm.pulls_signal.subscribe(owner, callback)

    # -- the session ---------------------------------------------------------------------------------

    def save(self, run: CompareRun) -> Coroutine[Any, Any, None]:
        """Writing the run (rounds and vote) to the journal, for the screen to run as a worker."""
        return self._glm.journal.compare_run(run)

    @property
    def votes(self) -> list[VoteRecord]:
        """Every blind vote of this app session (the strip summarises them)."""
        return self._glm.compare_votes

    def reply_finished(self, turn: Turn | None) -> None:
        self._glm.reply_finished(turn)

    def reply_failed(self, error: GlmTuiError) -> None:
        self._glm.reply_failed(error)
