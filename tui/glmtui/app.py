"""GlmTuiApp: owns connection and model state, themes, and the screens.

Connection state comes from a watchdog worker that polls `/api/version`; it never blocks the UI and
brings the app back online by itself when the server returns.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import random
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal

from glmtui.app_screens import AppScreens
from glmtui.config import Config
from glmtui.core.errors import GlmTuiError
from glmtui.core.hosts import is_local
from glmtui.core.model_names import same_model
from glmtui.core.state import (
    GenerationStats,
    ModelInfo,
    MonitorSample,
    OllamaSnapshot,
    PullProgress,
    ThinkSetting,
    Turn,
)
from glmtui.core.think import effective_think, next_think, think_label
from glmtui.keys import apply_keymap
from glmtui.paths import builtin_themes_dir, db_path, user_themes_dir
from glmtui.services.compare import VoteRecord
from glmtui.services.library import ModelLibrary
from glmtui.services.monitor import Sampler
from glmtui.services.monitor_feed import MonitorFeed
from glmtui.services.nvml import Nvml
from glmtui.services.ollama import OllamaService
from glmtui.services.pull_feed import PullFeed
from glmtui.services.trace import trace
from glmtui.sessions import Sessions
from glmtui.themes import APP_VARIABLES, choose_theme, load_themes
from glmtui.widgets.chat_pane import GenerationRequest

IDLE_GC_DELAY_S = 0.1
FULL_GC_EVERY = 10
ONLINE_POLL_S = 5.0
OFFLINE_POLL_S = 2.0
REPLY_HISTORY = 40  # finished replies kept for the throughput sparklines
MONITOR_MIN_WIDTH = 80  # below this the sidebar is hidden (and nothing is sampled)
DEFAULT_STORE = Path("<default>")  # the store at platformdirs' data dir (None: no history at all)


class GlmTuiApp(AppScreens, App[None]):
    """The glmtui application."""

    # Textual loads a screen's CSS_PATH when it is pushed or switched to by mode, but not for the
    # screen get_default_screen() returns: the chat screen's stylesheet has to come in with the app's.
    CSS_PATH = ["app.tcss", "screens/chat.tcss"]
    TITLE = "glmtui"
    BINDINGS = [Binding("f1", "help", "Keys", id="help")]

    model: reactive[str] = reactive("")
    connection: reactive[str] = reactive("connecting")
    server_version: reactive[str] = reactive("")
    think_label: reactive[str] = reactive("")
    show_monitor: reactive[bool] = reactive(True)
    reply_stats: reactive[tuple[GenerationStats, ...]] = reactive(())

    def __init__(
        self,
        config: Config,
        service: OllamaService | None = None,
        *,
        config_problems: list[str] | None = None,
        nvml: Nvml | None = None,
        sampler: Sampler | None = None,
        ollama_pid: int | None = None,
        compare: tuple[str, str, str | None] | None = None,
        store_path: Path | None = DEFAULT_STORE,
        theme: str | None = None,
        continue_last: bool = False,
    ) -> None:
        super().__init__()
        self.config = config
        self._continue_last = continue_last
        self.sessions = Sessions(self, db_path() if store_path is DEFAULT_STORE else store_path)
        self.model_digest = ""  # of this chat's model, saved with each turn
        self._installed: list[ModelInfo] = []  # as of the last /api/tags: names and digests
        if config.low_bandwidth:
            self.animation_level = "none"
        self._compare_on_start = compare  # `--compare A B [PROMPT]`
        self.compare_screen: Screen[None] | None = None  # kept while away, so a comparison survives Esc
        self.compare_votes: list[VoteRecord] = []
        self.compare_rng = random.Random()  # blind runs' side shuffles (tests seed it)
        self.service = service or OllamaService(
            config.host, stall_timeout=config.stall_timeout, first_token_timeout=config.first_token_timeout
        )
        self.think_pref: ThinkSetting = config.think
        self.ollama_is_local = is_local(config.host)
        self.monitor_signal: Signal[MonitorSample] = Signal(self, "monitor")
        self.ollama_signal: Signal[OllamaSnapshot] = Signal(self, "ollama")
        sampler = sampler or Sampler(
            nvml, config.monitor_intervals, ollama_local=self.ollama_is_local, ollama_pid=ollama_pid
        )
        self.monitor_feed = MonitorFeed(
            sampler, self.service, config.monitor_intervals, self.monitor_signal, self.ollama_signal
        )
        self.library = ModelLibrary(self.service)
        self.pulls_signal: Signal[tuple[PullProgress, ...]] = Signal(self, "pulls")
        self.pull_feed = PullFeed(self, self.library, self.pulls_signal, self._pull_finished)
        self.set_reactive(GlmTuiApp.show_monitor, config.monitor)
        self.online_poll_s = ONLINE_POLL_S  # tests shorten these
        self.offline_poll_s = OFFLINE_POLL_S
        self.model_info: ModelInfo | None = None
        self._offline_reported = False
        self._replies_since_full_gc = 0
        loaded = load_themes(builtin_themes_dir(), user_themes_dir())
        for each in loaded.themes.values():
            self.register_theme(each)
        self.theme, theme_problems = choose_theme(
            loaded.themes, flag=theme, remembered=self.sessions.remembered_theme, configured=config.theme
        )
        self._problems = [
            *(config_problems or []),
            *loaded.problems,
            *theme_problems,
            *self.sessions.problems,
            *apply_keymap(self, config.keymap),
        ]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every glmtui notification is plain text: they carry model names, Ollama's errors and paths,
        any of which may contain `[`. (Textual reads messages as markup by default; a stray `[/]` in
        an error would crash the app.)"""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def get_default_screen(self) -> Screen[None]:
        # The chat is the base screen, so the very first frame is the real UI (not a blank default).
        from glmtui.screens.chat import ChatScreen

        return ChatScreen()

    def on_mount(self) -> None:
        for problem in self._problems:
            self.notify(problem, severity="warning", timeout=10)
        # A theme picked in the palette is remembered for the next run.
        self.theme_changed_signal.subscribe(self, lambda theme: self.sessions.remember_theme(theme.name))
        self.run_worker(self.sessions.load_votes(), group="votes", exit_on_error=False)
        if self._continue_last:  # after the first frame, which must not wait for the history
            self.call_after_refresh(
                lambda: self.run_worker(self._continue(), group="continue", exit_on_error=False)
            )
        # Start talking to Ollama only after the first frame is up: importing the client costs ~150 ms.
        self.call_after_refresh(self.poll_connection)
        # Everything built so far (modules, CSS, widgets) lives as long as the app: keep it out of
        # the garbage collector's way.
        self.call_after_refresh(gc.freeze)
        self.call_after_refresh(self.run_monitor)
        if self._compare_on_start is not None:
            self.call_after_refresh(
                lambda: self.run_worker(self.open_compare(*self._compare_on_start), exit_on_error=False)
            )

    async def _continue(self) -> None:
        await self.sessions.resume(await self.sessions.journal.last_id())

    async def action_quit(self) -> None:
        """Quit, but first stop what is streaming and save it with its partial text: a reply cut off
        by Ctrl+Q is kept like one stopped with Esc (the Finished handlers would not run any more)."""
        panes = self.chat_panes()
        for pane in panes:
            await pane.stop_and_wait()
        for pane in panes:
            turn = pane.conversation.turns[-1] if pane.conversation.turns else None
            if turn is not None and turn.id is not None:
                await self.sessions.journal.turn_ended(turn)
        compare = self.compare_screen
        if compare is not None and getattr(compare, "run", None) is not None:
            await self.sessions.journal.compare_run(compare.run)  # type: ignore[attr-defined]
        self.exit()

    async def on_unmount(self) -> None:
        self.monitor_feed.close()
        # Closing checkpoints the WAL into glmtui.db, so the documented file holds the history alone.
        self.sessions.journal.close()
        await self.service.close()

    # -- the monitor ------------------------------------------------------------------------------

    @property
    def monitor_sample(self) -> MonitorSample | None:
        return self.monitor_feed.sample

    @property
    def ollama_snapshot(self) -> OllamaSnapshot | None:
        return self.monitor_feed.snapshot

    def monitor_visible(self) -> bool:
        """Sample only while someone can see it: hidden sidebars cost no CPU and no terminal bytes."""
        return self.show_monitor and self.size.width >= MONITOR_MIN_WIDTH

    @work(exclusive=True, group="monitor", exit_on_error=False)
    async def run_monitor(self) -> None:
        await self.monitor_feed.run(self.monitor_visible)

    def toggle_monitor(self) -> None:
        self.show_monitor = not self.show_monitor
        if self.show_monitor and self.size.width < MONITOR_MIN_WIDTH:
            self.notify(f"The monitor needs a terminal at least {MONITOR_MIN_WIDTH} columns wide.", timeout=3)
        self.monitor_feed.refresh_ollama()  # fresh figures the moment it shows

    @work(group="unload", exit_on_error=False)
    async def unload_model(self, model: str) -> None:
        try:
            await self.service.unload(model)
        except GlmTuiError as exc:
            self.notify(f"Could not unload {model}: {exc.message}", severity="error")
            return
        self.notify(f"Unloaded {model}", timeout=3)
        self.monitor_feed.refresh_ollama()

    async def sample_now(self) -> MonitorSample | None:
        """A sample even while the sidebar is hidden (the models screen's fit needs the GPUs)."""
        return await self.monitor_feed.sample_now()

    # -- connection and model ---------------------------------------------------------------------

    @work(exclusive=True, group="connection", exit_on_error=False)
    async def poll_connection(self) -> None:
        # Heavy imports after the first frame, in a thread: the client, then what the first reply renders with.
        for module in ("ollama", "rich.markdown"):
            await asyncio.to_thread(importlib.import_module, module)
        while True:
            try:
                version = await self.service.version()
            except GlmTuiError as exc:
                await self._went_offline(exc)
                await asyncio.sleep(self.offline_poll_s)
                continue
            if self.connection != "online":
                was_reported = self._offline_reported
                self._offline_reported = False
                self.server_version = version
                self.connection = "online"
                if was_reported:
                    await self._notice(Text(f"✓ Reconnected to Ollama at {self.config.host}", style="green"))
                await self._resolve_model()
            await asyncio.sleep(self.online_poll_s)

    async def _went_offline(self, error: GlmTuiError) -> None:
        self.connection = "offline"
        if not self._offline_reported:
            self._offline_reported = True
            await self._show_error(
                GlmTuiError(error.message, f"{error.hint}. Retrying every {self.offline_poll_s:g} s.")
            )

    async def _resolve_model(self) -> None:
        """Pick the model (flag, config, else first installed) and learn whether it can think."""
        try:
            installed = await self.service.list_models()
        except GlmTuiError as exc:
            await self._show_error(exc)
            return
        names = [m.name for m in installed]
        self._installed = installed
        if not self.model:
            if self.config.model:
                self.model = self.config.model
            elif names:
                self.model = names[0]
            else:
                await self._show_error(
                    GlmTuiError(
                        f"No models are installed on {self.config.host}",
                        "pull one, e.g. `ollama pull glm-4.7-flash`, then press ctrl+n",
                    )
                )
                return
        if not any(same_model(self.model, name) for name in names):
            await self._show_error(
                GlmTuiError(
                    f"Model '{self.model}' is not installed on {self.config.host}",
                    f"pull it with `ollama pull {self.model}`; installed: {', '.join(names) or 'none'}",
                    kind="not-found",
                )
            )
        await self._load_model_info()

    def is_installed(self, model: str) -> bool:
        """As of the last /api/tags; True while that is not known yet (the send will say if not)."""
        return not self._installed or any(same_model(model, m.name) for m in self._installed)

    async def _load_model_info(self) -> None:
        self.model_digest = next((m.digest for m in self._installed if same_model(self.model, m.name)), "")
        try:
            self.model_info = await self.service.show(self.model)
        except GlmTuiError:
            self.model_info = None  # unknown model or server trouble: send no `think` at all
        self._update_think_label()
        trace("ready", model=self.model)

    def effective_think(self) -> ThinkSetting | None:
        """What this model gets: None (never sent) unless its capabilities include thinking."""
        return effective_think(self.model, self.model_info, self.think_pref)

    def cycle_think(self) -> None:
        current = self.effective_think()
        if current is None:
            self.notify(f"{self.model or 'This model'} does not think: nothing to switch.", timeout=3)
            return
        self.think_pref = next_think(self.model, current)
        self._update_think_label()

    def _update_think_label(self) -> None:
        self.think_label = think_label(self.effective_think())

    def generation_request(self) -> GenerationRequest | None:
        if not self.model:
            return None
        return GenerationRequest(
            model=self.model,
            think=self.effective_think(),
            options=dict(self.config.options),
            keep_alive=self.config.keep_alive,
        )

    def reply_finished(self, turn: Turn | None = None) -> None:
        """A reply ended normally: the server is evidently up, and a model is now loaded."""
        if self.connection != "online":
            self.poll_connection()
        if turn is not None and turn.stats.final:
            self.reply_stats = (*self.reply_stats, turn.stats)[-REPLY_HISTORY:]
        self.monitor_feed.refresh_ollama()
        self.set_timer(IDLE_GC_DELAY_S, self._collect_when_idle)

    def reply_failed(self, error: GlmTuiError) -> None:
        if error.kind in ("connect", "dropped", "timeout", "stalled"):
            self.poll_connection()  # re-check now rather than at the next poll
        self.monitor_feed.refresh_ollama()
        self.set_timer(IDLE_GC_DELAY_S, self._collect_when_idle)

    def _collect_when_idle(self) -> None:
        """Collect garbage between replies, then freeze what survives.

        A long chat holds many objects (the rendered lines of every mounted reply), and Python's
        full collections walk all of them: by turn 40 a collection paused the UI for ~340 ms, often
        mid-stream. Collecting once after each reply, while nothing streams, and freezing the
        survivors keeps the automatic collections during the next reply small. A full collection
        (unfreezing first) walks the whole heap, so it runs every FULL_GC_EVERY replies: often enough
        that widgets unmounted since, which hold reference cycles, are reclaimed rather than leak.
        """
        # screen_stack (not self.screen): empty while the app shuts down, and it includes chat panes
        # beneath another screen.
        if not self.screen_stack or any(pane.is_streaming for pane in self.chat_panes()):
            return  # the next reply's end will try again
        self._replies_since_full_gc += 1
        if self._replies_since_full_gc >= FULL_GC_EVERY:
            self._replies_since_full_gc = 0
            gc.unfreeze()
            gc.collect()
        else:
            gc.collect(1)  # this reply's short-lived garbage, so it is not frozen
        gc.freeze()

    # -- showing things ---------------------------------------------------------------------------

    async def _show_error(self, error: GlmTuiError) -> None:
        from glmtui.screens.chat import ChatScreen

        if isinstance(self.screen, ChatScreen):
            await self.screen.show_error(error)
        else:
            self.notify(str(error), severity="error")

    async def _notice(self, text: Text) -> None:
        from glmtui.screens.chat import ChatScreen

        if isinstance(self.screen, ChatScreen):
            await self.screen.show_notice(text)
