"""GlmTuiApp: the wiring. Services, themes, the connection and model reactives; screens via commands.py.

The connection watchdog and the choice of the chat's model live in model_watch.py (the app runs it as
a worker, and it writes the app's reactives); the intents and workers about the server, the model and
the monitor are `WatchingApp`'s (app_watch.py), which this class extends. Screens see this class only
as an `AppSurface` (surface.py); the intents that open screens are one line each here, implemented in
commands.py. The App asks screens about their panes (`StreamingScreen`), never looks inside them.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal

from glmtui import app_chores, commands
from glmtui.app_watch import WatchingApp
from glmtui.chat_endpoint import build_registry, first_engine, library_for
from glmtui.config import Config
from glmtui.core.catalog import load_catalog
from glmtui.core.engine_metrics import EngineMetrics
from glmtui.core.hosts import is_local
from glmtui.core.load_check import LoadCheck
from glmtui.core.state import Conversation, MonitorSample, OllamaSnapshot, PullProgress
from glmtui.keys import apply_keymap
from glmtui.model_watch import ModelWatch
from glmtui.paths import builtin_themes_dir, db_path, user_themes_dir
from glmtui.screens.chat import ChatScreen
from glmtui.services.compare import CompareRun, VoteRecord
from glmtui.services.engines.base import Engine
from glmtui.services.idle_gc import IdleCollector
from glmtui.services.journal import open_journal
from glmtui.services.load_checks import LoadChecker
from glmtui.services.metrics_feed import MetricsFeed
from glmtui.services.monitor import Sampler
from glmtui.services.monitor_feed import MonitorFeed
from glmtui.services.nvml import Nvml
from glmtui.services.presets import all_presets, load_builtin_presets
from glmtui.services.prompt_sets import PromptSet
from glmtui.services.pull_feed import PullFeed
from glmtui.themes import APP_VARIABLES, choose_theme, load_themes

if TYPE_CHECKING:  # imported when first opened (commands.py): not on the way to the first frame
    from glmtui.screens.compare.screen import CompareScreen

DEFAULT_STORE = Path("<default>")  # the store at platformdirs' data dir (None: no history at all)
THEME_KEY = "theme"  # the store's setting for the theme picked in the palette


class GlmTuiApp(WatchingApp):
    """The glmtui application."""

    # Textual loads a screen's CSS_PATH when it is pushed or switched to by mode, but not for the
    # screen get_default_screen() returns: the chat screen's stylesheet has to come in with the app's.
    # The other screens' come in with it too: a stylesheet first read at a push makes Textual reparse
    # every rule of the app and of every widget (~50 ms of the usage screen's 560 ms open on 2 cores);
    # read here they cost a few ms at start-up, once. Each file's rules name its own screen or ids.
    CSS_PATH = [
        "app.tcss",
        "screens/chat.tcss",
        "screens/usage.tcss",
        "screens/models.tcss",
        "screens/compare/compare.tcss",
    ]
    TITLE = "glmtui"
    BINDINGS = [Binding("f1", "help", "Keys", id="help")]

    def __init__(
        self,
        config: Config,
        service: Engine | None = None,
        *,
        config_problems: list[str] | None = None,
        nvml: Nvml | None = None,
        sampler: Sampler | None = None,
        ollama_pid: int | None = None,
        compare: tuple[str, str, str | None] | None = None,
        store_path: Path | None = DEFAULT_STORE,
        theme: str | None = None,
        continue_last: bool = False,
        prompt_set: PromptSet | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.continue_last = continue_last
        self.journal, store_problems = open_journal(
            db_path() if store_path is DEFAULT_STORE else store_path, self._history_problem
        )
        self.model_digest = ""  # of this chat's model, saved with each turn
        if config.low_bandwidth:
            self.animation_level = "none"
        self._compare_on_start = compare  # `--compare A B [PROMPT]`
        self._prompt_set_on_start = prompt_set  # `--compare A B --prompt-set FILE`
        self.compare_screen: CompareScreen | None = None  # kept while away, so a comparison survives Esc
        self.compare_votes: list[VoteRecord] = []
        self.compare_rng = random.Random()  # blind runs' side shuffles (tests seed it)
        # Every endpoint, each with its engine; the chat is on the first one an engine speaks.
        self.endpoints = build_registry(config, lambda statuses: setattr(self, "endpoint_statuses", statuses))
        chat_endpoint, self.service, endpoint_problems = first_engine(self.endpoints, service)
        self.set_reactive(GlmTuiApp.endpoint, chat_endpoint)
        self.set_reactive(GlmTuiApp.endpoint_statuses, self.endpoints.statuses)
        self.host = self.service.host
        self.think_pref = config.think
        self.think_chosen = False  # the user picked with Ctrl+T (sent even when capabilities are unknown)
        self.model_ready = False  # the model is known and its facts were asked for: prompts go out
        if config.model:  # named on the command line or in the config: known at once, before the listing
            self.set_reactive(GlmTuiApp.model, config.model)
        self.ollama_is_local = is_local(self.host)
        self._ollama_pid = ollama_pid
        self.monitor_signal = Signal[MonitorSample](self, "monitor")
        self.ollama_signal = Signal[OllamaSnapshot](self, "ollama")
        sampler = sampler or Sampler(
            nvml, config.monitor_intervals, ollama_local=self.ollama_is_local, ollama_pid=ollama_pid
        )
        self.monitor = MonitorFeed(
            sampler,
            self.service,
            config.monitor_intervals,
            publish_sample=self.monitor_signal.publish,
            publish_snapshot=self.ollama_signal.publish,
            resolve_blobs=self.ollama_is_local,
        )
        # The engine panel: the chat's engine's /metrics while it has them (it follows self.service).
        self.engine_signal = Signal[EngineMetrics](self, "engine")
        self.engine_metrics = MetricsFeed(
            config.monitor_intervals.engine_s, publish=self.engine_signal.publish, engine=lambda: self.service
        )
        self.library = library_for(self.service)
        # The config's [ollama] until the server's own environment has been read (after connecting).
        self.set_reactive(GlmTuiApp.server_settings, config.ollama)
        self.load_check_signal = Signal[tuple[LoadCheck, ...]](self, "load-checks")
        self.load_checker = LoadChecker(
            self.library,
            settings=lambda: self.server_settings,
            catalog=load_catalog,
            save=self.journal.save_correction,
            publish=self.load_check_signal.publish,
        )
        self.pulls_signal = Signal[tuple[PullProgress, ...]](self, "pulls")
        self.pulls = PullFeed(
            self.library,
            publish=self.pulls_signal.publish,
            spawn=lambda job: self.run_worker(job, group="pulls", exit_on_error=False),
            on_finished=self._pull_finished,
        )
        self.set_reactive(GlmTuiApp.show_monitor, config.monitor)
        self.model_info = None
        self._gc = IdleCollector()
        self.model_watch = ModelWatch(self)  # after the journal, the service and the config
        self.model_watch.server_pid = ollama_pid
        loaded = load_themes(builtin_themes_dir(), user_themes_dir())
        for each in loaded.themes.values():
            self.register_theme(each)
        self.theme, theme_problems = choose_theme(
            loaded.themes, flag=theme, remembered=self.journal.setting_now(THEME_KEY), configured=config.theme
        )
        builtin, preset_problems = load_builtin_presets()  # a small TOML file: ~1 ms
        self.presets = all_presets(builtin, config.presets)
        keymap, keymap_problems = apply_keymap(self, config.keymap)
        self.config = replace(config, keymap=keymap)  # what is bound: placeholders spell these keys
        self.problems = [
            *(config_problems or []),
            *loaded.problems,
            *theme_problems,
            *store_problems,
            *keymap_problems,
            *endpoint_problems,
            *preset_problems,
        ]
        """What to tell the user once the app is up (config, themes, history, keymap)."""

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

    def action_help_quit(self) -> None:
        """Ctrl+C outside a text box: say how to quit (Textual's own message is markup)."""
        app_chores.say_how_to_quit(self)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def get_default_screen(self) -> Screen[Any]:
        # The chat is the base screen, so the very first frame is the real UI (not a blank default).
        return ChatScreen()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's "Theme" is replaced by glmtui's "Change theme" (the same picker, remembered).
        yield from (command for command in super().get_system_commands(screen) if command.title != "Theme")
        for title, help_text, run in commands.palette_commands(self, screen):
            yield SystemCommand(title, help_text, run)

    def on_mount(self) -> None:
        app_chores.report_problems(self)
        # A theme picked in the palette is remembered for the next run.
        self.theme_changed_signal.subscribe(
            self, lambda theme: app_chores.remember_theme(self, THEME_KEY, theme.name)
        )
        # The history's integrity check reads the whole file: in a worker, first on the journal's lock
        # (a damaged file is salvaged before anything else reads or writes it).
        self.run_worker(self.journal.check(), group="journal-check", exit_on_error=False)
        self.run_worker(app_chores.load_votes(self), group="votes", exit_on_error=False)
        self.run_worker(app_chores.load_corrections(self), group="corrections", exit_on_error=False)
        # Each new load's estimate is checked against /api/ps (and its ratio kept): off the event loop's
        # critical path, one check at a time; a check cut short is retried with the next snapshot.
        self.ollama_signal.subscribe(
            self,
            lambda snapshot: self.run_worker(
                partial(self.load_checker.observe, snapshot),  # type: ignore[arg-type]  # Textual's typing
                group="load-checks",
                exclusive=True,
                exit_on_error=False,
            ),
        )
        if self.continue_last:  # after the first frame, which must not wait for the history
            self.call_after_refresh(
                lambda: self.run_worker(app_chores.continue_last(self), group="continue", exit_on_error=False)
            )
        # Start talking to Ollama only after the first frame is up: importing the client costs ~150 ms.
        self.call_after_refresh(self.poll_connection)
        self.call_after_refresh(self.poll_endpoints)
        # Everything built so far (modules, CSS, widgets) lives as long as the app: keep it out of
        # the garbage collector's way.
        self.call_after_refresh(gc.freeze)
        self.call_after_refresh(self.run_monitor)
        self.call_after_refresh(self.run_engine_metrics)
        if self._compare_on_start is not None:
            wanted, prompts = self._compare_on_start, self._prompt_set_on_start
            self.call_after_refresh(
                lambda: self.run_worker(self.open_compare(*wanted, prompt_set=prompts), exit_on_error=False)
            )

    def _pull_finished(self, job: PullProgress) -> None:
        self.service.forget(job.name)  # a pulled tag may be a new version: its facts are read again
        app_chores.pull_finished(self, job)

    def _history_problem(self, message: str) -> None:
        self.notify(message, title="History", severity="error", timeout=10)

    async def action_quit(self) -> None:
        """Quit: a pull running or queued is asked about first (app_chores.py), then `quit_now`."""
        if app_chores.quit_asks_first(self, self.quit_now):
            return
        await self.quit_now()

    async def quit_now(self) -> None:
        """Stop what streams and save it with its partial text (the Finished handlers would not run
        any more once the app exits), then exit."""
        for screen in list(self._streaming_screens()):
            await screen.stop_and_save()
        self.exit()

    async def on_unmount(self) -> None:
        self.monitor.close()
        await self.engine_metrics.close()
        # Closing checkpoints the WAL into glmtui.db, so the documented file holds the history alone.
        self.journal.close()
        await self.endpoints.close()  # every engine, the chat's included

    # -- navigation: commands.py ----------------------------------------------------------------

    def action_help(self) -> None:
        commands.show_help(self)

    def open_models(self, tab: str = "installed") -> None:
        commands.gate(self, "the models", lambda: commands.open_models(self, tab))

    def open_history(self) -> None:
        commands.gate(self, "the history", lambda: commands.open_history(self))

    def open_usage(self) -> None:
        commands.gate(self, "the usage", lambda: commands.open_usage(self))

    async def open_compare(
        self,
        model_a: str | None = None,
        model_b: str | None = None,
        prompt: str | None = None,
        *,
        reopen: CompareRun | None = None,
        prompt_set: PromptSet | None = None,
    ) -> None:
        opened = commands.gate(
            self,
            "the A/B compare",
            lambda: commands.open_compare(
                self, self.compare_screen, self._keep_compare, model_a, model_b, prompt, reopen, prompt_set
            ),
        )
        if opened is not None:  # None: it asks first, and opens once the answer is yes
            await opened

    def open_arena(self) -> None:
        commands.gate(self, "the leaderboard", lambda: commands.open_arena(self))

    def _keep_compare(self, screen: CompareScreen) -> None:
        self.compare_screen = screen

    def open_bench(self) -> None:
        commands.open_bench(self)

    def copy_last_reply(self) -> None:
        commands.copy_last_reply(self)

    async def new_chat(self) -> None:
        await commands.new_chat(self)

    async def resume(self, conversation_id: int | None) -> bool:
        return await commands.resume(self, conversation_id)

    def chat_conversation(self) -> Conversation | None:
        return commands.chat_conversation(self)

    async def conversation_deleted(self, conversation_id: int) -> bool:
        return await commands.conversation_deleted(self, conversation_id)
