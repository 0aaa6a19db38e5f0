"""AppLink: everything the compare package uses of the app, in one place.

The compare screen builds one from the `AppSurface` and reaches the app only through it, so the members the
comparison depends on are listed here and nowhere else: settings (host, think, options, system,
keep_alive, low bandwidth), the connection and the chat's model, the endpoints (each side's engine,
model library, `ps` and capabilities), the pull feed and its signal, GPU samples, the journal, the
session's blind votes, and the reply hooks.
No UI here: errors are raised (or answered as None) and the screen decides what to say.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from glmtui.core.endpoints import split_ref
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine, machine_from
from glmtui.core.state import ModelInfo, PullProgress, Turn
from glmtui.services.compare import CompareRun, PaneModel, VoteRecord
from glmtui.services.compare_mode import Place
from glmtui.services.engines.base import Engine, EngineCapabilities
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.surface import AppSurface
from glmtui.widgets.compare_pane import ComparePane

if TYPE_CHECKING:
    from textual.dom import DOMNode


class AppLink:
    """The app as the compare screen sees it (a thin view over the `AppSurface`)."""

    def __init__(self, glm: AppSurface) -> None:
        self._glm = glm
        self._libraries: dict[str, ModelLibrary] = {}  # other endpoints' (one per engine)

    # -- settings and state --------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._glm.host  # the chat's endpoint's

    @property
    def server_version(self) -> str | None:
        """The server's version ('0.15.5'), None until it is known."""
        return self._glm.server_version or None

    @property
    def chat_model(self) -> str:
        """The chat screen's model: A's when nobody named one."""
        return self._glm.model

    def can_list(self, endpoint: str, needs_model: bool) -> bool:
        """Online, and with a model for A when nobody named one: worth asking for the installed list.
        The chat's endpoint is its watchdog's; another is as the registry last found it."""
        if endpoint != self.endpoint:
            return self._glm.endpoints.status(endpoint).state == "online"
        return self._glm.connection == "online" and bool(self._glm.model or not needs_model)

    def live_tick_s(self, base: float) -> float:
        """How often the streaming panes' titles are repainted: half as often on a slow link."""
        return base * (2 if self._glm.config.low_bandwidth else 1)

    def new_pane(self, side: str, wanted: str) -> ComparePane:
        """A side with the chat's think setting and options, system and keep_alive; its model as named
        (`node1 · model` or `node1/model` puts it on that endpoint, else the chat's), streaming through
        its endpoint's engine."""
        glm, config = self._glm, self._glm.config
        endpoint, model = split_ref(wanted, self.endpoint_names)
        state = PaneModel(model, glm.think_pref, dict(config.options), endpoint=endpoint or self.endpoint)
        pane = ComparePane(
            side,
            self.engine(state.endpoint),
            state,
            system=config.system,
            keep_alive=config.keep_alive,
            low_bandwidth=bool(config.low_bandwidth),
        )
        pane.show_endpoint = self.several
        return pane

    # -- the endpoints: each side streams through its own's engine -----------------------------------

    @property
    def endpoint(self) -> str:
        """The chat's endpoint: a side nobody put elsewhere runs there."""
        return self._glm.endpoint

    @property
    def endpoint_names(self) -> list[str]:
        return [e.name for e in self._glm.endpoints.endpoints]

    @property
    def urls(self) -> dict[str, str]:
        """Each endpoint's URL by name (the export names both sides' servers)."""
        return {e.name: e.url for e in self._glm.endpoints.endpoints}

    @property
    def several(self) -> bool:
        """More than one endpoint: the panes and the strip name each side's."""
        return len(self._glm.endpoints.endpoints) > 1

    def engine(self, endpoint: str) -> Engine:
        """The engine that speaks to `endpoint` (the chat's: the app's service)."""
        glm = self._glm
        return glm.service if endpoint == glm.endpoint else glm.endpoints.engine(endpoint)

    def place(self, endpoint: str) -> Place:
        """Where a side on `endpoint` runs (its URL), for the run mode."""
        known = self._glm.endpoints.get(endpoint)
        return Place(endpoint, known.url if known is not None else self.engine(endpoint).host)

    def host_of(self, endpoint: str) -> str:
        return self.engine(endpoint).host

    def capabilities(self, endpoint: str) -> EngineCapabilities:
        return self.engine(endpoint).capabilities

    def library_of(self, endpoint: str) -> ModelLibrary:
        """The model library of an endpoint: the app's for the chat's (one cache of `/api/show`)."""
        engine = self.engine(endpoint)
        if endpoint == self.endpoint:
            return self._glm.library
        library = self._libraries.get(endpoint)
        if library is None or library.engine is not engine:
            library = self._libraries[endpoint] = ModelLibrary(engine)
        return library

    # -- Ollama and the machine ----------------------------------------------------------------------

    @property
    def library(self) -> ModelLibrary:
        return self._glm.library

    async def installed(self, endpoint: str) -> list[ModelInfo]:
        """The endpoint's models (`/api/tags`, `/v1/models`; GlmTuiError when it cannot answer)."""
        return await self.library_of(endpoint).installed()

    async def loaded_models(self, endpoint: str) -> list[str] | None:
        """The models in memory there (`/api/ps`); None when unknown or not asked of this engine."""
        engine = self.engine(endpoint)
        if not engine.capabilities.loaded_models:
            return None  # an engine without /api/ps: no "loading model" label rather than a wrong one
        try:
            return [m.name for m in await engine.ps()]
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
