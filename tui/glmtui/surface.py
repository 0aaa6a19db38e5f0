"""AppSurface: everything a screen or widget may ask of the app, as one small typed class.

Screens and widgets reach the app with `getters.app(AppSurface)`, never by importing `app.py` (which
imports the screens: that would be a cycle). The surface holds the state screens watch (reactives,
declared here so they are typed), the services they use, and intents (`open_models`, `switch_model`,
`resume`...). The intents are abstract here (`@abstractmethod`: mypy refuses a subclass that misses
one; Textual's metaclass does not mix with ABCMeta, so it is not enforced at run time) and implemented by
`GlmTuiApp`, the navigation through `commands.py`, a floor above the screens.

Three small protocols let the App ask screens about their own business without looking inside them:
`StreamingScreen` (what streams, stop and save it), `PullAware` (a pull ended: do you handle it?) and
`BusyScreen` (is something running here that must not go on beneath another screen?).
"""

from __future__ import annotations

import random
from abc import abstractmethod
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.app import App
from textual.reactive import reactive

from glmtui.core.endpoints import EndpointStatus
from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.presets import Preset
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import (
    Conversation,
    GenerationRequest,
    GenerationStats,
    ModelDetails,
    MonitorSample,
    OllamaSnapshot,
    PullProgress,
    ThinkSetting,
    Turn,
)

if TYPE_CHECKING:
    from textual.signal import Signal

    from glmtui.config import Config
    from glmtui.core.engine_metrics import EngineMetrics
    from glmtui.core.load_check import LoadCheck
    from glmtui.services.compare import CompareRun, VoteRecord
    from glmtui.services.endpoints import EndpointRegistry
    from glmtui.services.engines.base import Engine
    from glmtui.services.engines.ollama_models import ModelLibrary
    from glmtui.services.journal import Journal
    from glmtui.services.load_checks import LoadChecker
    from glmtui.services.metrics_feed import MetricsFeed
    from glmtui.services.monitor_feed import MonitorFeed
    from glmtui.services.prompt_sets import PromptSet
    from glmtui.services.pull_feed import PullFeed


@runtime_checkable
class StreamingScreen(Protocol):
    """A screen with chat panes: the App asks it (never its widgets) what streams, and to stop."""

    def streaming_models(self) -> list[str]:
        """Models streaming a reply in this screen now."""
        ...

    async def stop_and_save(self) -> None:
        """Stop what streams and save it with its partial text (the app is quitting)."""
        ...


@runtime_checkable
class PullAware(Protocol):
    """A screen that says itself what a finished pull means for it."""

    def pull_finished(self, job: PullProgress) -> bool:
        """Handle a pull that ended; False lets the app say it in a notification."""
        ...


@runtime_checkable
class BusyScreen(Protocol):
    """A screen whose work must not go on unseen beneath another one (the bench: anything else on the
    GPU spoils its figures). Navigation asks before covering it (commands.gate)."""

    def busy_with(self) -> str | None:
        """What runs here now, in words ("A bench is running"), or None."""
        ...

    async def stop_busy(self) -> None:
        """Stop it, keeping what is finished; return once it has stopped."""
        ...


class AppSurface(App[None]):
    """The app as screens and widgets see it: state to watch, services to call, intents."""

    model: reactive[str] = reactive("")
    """The chat's model ("" until one is known)."""
    listing_models: reactive[bool] = reactive(False)
    """Waiting on `/api/tags` (the header says so while no model is known)."""
    connection: reactive[str] = reactive("connecting")
    """`connecting`, `online`, `offline` or `not Ollama` (something answers, but not Ollama's API):
    the watchdog's view of the server."""
    server_version: reactive[str] = reactive("")
    """The server's version, once online."""
    server_kind: reactive[str] = reactive("ollama")
    """What the chat's server is, in words ("ollama", "vLLM", "SGLang", "OpenAI-compatible")."""
    server_settings: reactive[ServerSettings] = reactive(ServerSettings())
    """The server's memory settings (cache type, context, overhead...) and where they came from: its
    environment when readable, else the config's `[ollama]`; re-read each time the server comes online."""
    think_label: reactive[str] = reactive("")
    """What the chat's model is sent as `think`, in words ("" until the model's facts are read)."""
    show_monitor: reactive[bool] = reactive(True)
    """Whether the monitor sidebar is shown (F2)."""
    reply_stats: reactive[tuple[GenerationStats, ...]] = reactive(())
    """The last finished replies' figures, for the throughput sparklines."""
    endpoint: reactive[str] = reactive("")
    """The chat's endpoint (its name): `service` speaks to it, `connection` is its state."""
    endpoint_statuses: reactive[tuple[EndpointStatus, ...]] = reactive(())
    """Every endpoint with its state, version and models (the header, the models screen)."""

    # Set by the subclass before the first screen is composed.
    config: Config
    journal: Journal
    service: Engine
    """The chat's engine (the UI asks `service.capabilities`, never assumes an Ollama)."""
    host: str
    """The chat's endpoint's URL."""
    endpoints: EndpointRegistry
    """Every endpoint of this run and its engine; the chat's is `endpoint`."""
    library: ModelLibrary
    """Model management (pull, delete, preload) where `service.capabilities.pull`."""
    pulls: PullFeed
    monitor: MonitorFeed
    monitor_signal: Signal[MonitorSample]
    ollama_signal: Signal[OllamaSnapshot]
    engine_metrics: MetricsFeed
    """The chat's engine's Prometheus /metrics (vLLM, SGLang), scraped while the sidebar shows."""
    engine_signal: Signal[EngineMetrics]
    pulls_signal: Signal[tuple[PullProgress, ...]]
    load_checker: LoadChecker
    """Each loaded model's estimate beside `/api/ps`, and the stored corrections by digest."""
    load_check_signal: Signal[tuple[LoadCheck, ...]]
    compare_votes: list[VoteRecord]
    compare_rng: random.Random
    ollama_is_local: bool
    problems: list[str]
    presets: list[Preset]
    """Every preset the picker lists: the config's, then the built-ins (services/presets.py)."""
    """What was found wrong at start (config, keymap, themes, history), for "Show start-up problems"."""
    model_digest: str
    think_pref: ThinkSetting
    think_chosen: bool
    """The user picked think with Ctrl+T (sent even while the capabilities are unknown)."""
    model_info: ModelDetails | None
    model_ready: bool
    """The model is known and its facts were asked for: prompts go out."""

    # -- navigation (implemented with commands.py, above the screens) -----------------------------

    @abstractmethod
    def open_models(self, tab: str = "installed") -> None:
        """The models screen on a tab (`installed` or `catalogue`)."""

    @abstractmethod
    def open_history(self) -> None:
        """The history screen."""

    @abstractmethod
    def open_usage(self) -> None:
        """The usage screen (tokens, decode rates and TTFTs over time, from the saved turns)."""

    @abstractmethod
    async def open_compare(
        self,
        model_a: str | None = None,
        model_b: str | None = None,
        prompt: str | None = None,
        *,
        reopen: CompareRun | None = None,
        prompt_set: PromptSet | None = None,
    ) -> None:
        """Back to the comparison in progress, or a new one when models are named; `reopen`: a stored
        run shown with its rounds (and continued there); `prompt_set`: run once both models are checked."""

    @abstractmethod
    def open_arena(self) -> None:
        """The arena: the leaderboard of every stored blind vote, and the past A/B runs."""

    @abstractmethod
    def open_bench(self) -> None:
        """The bench screen (F6)."""

    @abstractmethod
    def copy_last_reply(self) -> None:
        """The copy dialog for the chat's last reply."""

    @abstractmethod
    async def new_chat(self) -> None:
        """Back to the chat, with a new conversation."""

    @abstractmethod
    async def resume(self, conversation_id: int | None) -> bool:
        """Open a saved conversation in the chat; False (with a message) when it cannot be."""

    @abstractmethod
    async def conversation_deleted(self, conversation_id: int) -> bool:
        """A saved conversation was deleted: if the chat shows it, the chat starts a new one (so the
        next prompt does not bring it back). True when the chat was cleared."""

    @abstractmethod
    def chat_conversation(self) -> Conversation | None:
        """The conversation in the chat screen (beneath whatever is on top)."""

    # -- the chat's model and the server ------------------------------------------------------------

    @abstractmethod
    async def switch_model(self, name: str, endpoint: str | None = None) -> None:
        """Point the chat at another model, on another endpoint when one is named; the conversation
        goes on with it (the whole history is sent to the new engine with the next prompt)."""

    @abstractmethod
    def cycle_think(self) -> None:
        """The next think setting for the chat's model."""

    @abstractmethod
    def set_think(self, pref: ThinkSetting) -> None:
        """Set the chat's think as Ctrl+T does (a preset's `think`): the status bar and the requests
        follow it through the per-model rule (core/think.effective_think), and a later Ctrl+T wins."""

    @abstractmethod
    def generation_request(self) -> GenerationRequest | None:
        """What the chat sends a prompt with now; None while no model is known."""

    @abstractmethod
    def is_installed(self, model: str) -> bool:
        """As of the last listing (True while that is not known yet)."""

    @abstractmethod
    def is_streaming(self, model: str) -> bool:
        """Whether any pane (chat or compare) is streaming from this model."""

    @abstractmethod
    def reply_finished(self, turn: Turn | None = None) -> None:
        """A reply ended normally: the server is up and a model is loaded."""

    @abstractmethod
    def reply_failed(self, error: GlmTuiError) -> None:
        """A reply failed: re-check the server now."""

    @abstractmethod
    def model_deleted(self, name: str) -> None:
        """A model was deleted: forget its facts and re-read what is loaded."""

    # -- the context a model is loaded with, and how far it could grow (model_watch.py) -----------

    @abstractmethod
    async def loaded_context(self, model: str) -> int | None:
        """The context `model` is loaded with now, as `/api/ps` says (None: not loaded, or not said)."""

    @abstractmethod
    async def expected_context(self, model: str) -> int | None:
        """The context Ollama will load `model` at when it is not loaded yet (core/server_settings.py's
        rule); None when that depends on GPUs glmtui cannot see (no GPU information, a remote host)."""

    @abstractmethod
    async def largest_fitting_context(self, model: str) -> int | None:
        """The largest num_ctx at which `model` fits wholly in VRAM, by the fit estimate; None when it
        cannot be told (no GPU information, the model's size unknown) or not even a small one fits.

        The one place the chat asks the fit about contexts: a better fit can replace it alone."""

    @abstractmethod
    async def context_shortfall(self, model: str, context: int) -> str:
        """Why `model` does not fit wholly in VRAM at `context` ("needs 41.2 GiB; 24 GiB VRAM"), or why
        that cannot be told ("no GPU information")."""

    # -- the monitor ----------------------------------------------------------------------------

    @abstractmethod
    def toggle_monitor(self) -> None:
        """Show or hide the monitor sidebar."""

    @abstractmethod
    def unload_model(self, model: str) -> None:
        """Unload a model from memory now (in the background)."""

    @abstractmethod
    async def sample_now(self) -> MonitorSample | None:
        """A monitor sample even while the sidebar is hidden (the fit needs the GPUs)."""


def current_model_info(app: AppSurface) -> ModelDetails | None:
    """The chat model's own details (`/api/show`), or None while there are none for it. A switch sets
    `app.model` and then reads the new model's details: meanwhile `model_info` is still the model
    switched away from, whose capabilities, family, parameters and context must not be taken for the
    new one's. Names compare as Ollama reads them (`same_model`: no tag is `:latest`, any case)."""
    info = app.model_info
    return info if info is not None and app.model and same_model(info.name, app.model) else None
