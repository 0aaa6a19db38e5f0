"""WatchingApp: what the app does about the server, its model and what streams.

The connection watchdog's worker and the chat's model (both model_watch.py), the context the server
loads a model at, the monitor's and the engine panel's workers, which screens stream, and what a
reply's end refreshes. `GlmTuiApp` (app.py) builds what these use and adds the wiring and navigation.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from glmtui import app_chores
from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.state import GenerationRequest, MonitorSample, ThinkSetting, Turn
from glmtui.services.metrics_feed import MetricsTarget
from glmtui.surface import AppSurface, StreamingScreen

if TYPE_CHECKING:
    from glmtui.model_watch import ModelWatch
    from glmtui.screens.compare.screen import CompareScreen
    from glmtui.services.idle_gc import IdleCollector

IDLE_GC_DELAY_S = 0.1
REPLY_HISTORY = 40  # finished replies kept for the throughput sparklines
MONITOR_MIN_WIDTH = 80  # below this the sidebar is hidden (and nothing is sampled)


class WatchingApp(AppSurface):
    """The app's intents and workers about the server, the chat's model and the monitor."""

    # Set by GlmTuiApp.__init__.
    model_watch: ModelWatch
    compare_screen: CompareScreen | None
    """Kept while away, so a comparison survives Esc (and its panes are asked what streams)."""
    _ollama_pid: int | None
    _gc: IdleCollector

    def _streaming_screens(self) -> Iterator[StreamingScreen]:
        """Screens with chat panes: the stack's, and the comparison's even while it is out of sight."""
        screens: list[Screen[Any]] = list(self.screen_stack)
        if self.compare_screen is not None and self.compare_screen not in screens:
            screens.append(self.compare_screen)
        return (screen for screen in screens if isinstance(screen, StreamingScreen))

    # -- the context (model_watch.py) ---------------------------------------------------------------

    async def loaded_context(self, model: str) -> int | None:
        return await self.model_watch.loaded_context(model)

    async def expected_context(self, model: str) -> int | None:
        return await self.model_watch.expected_context(model)

    async def largest_fitting_context(self, model: str) -> int | None:
        return await self.model_watch.largest_fitting_context(model)

    async def context_shortfall(self, model: str, context: int) -> str:
        return await self.model_watch.context_shortfall(model, context)

    # -- the monitor ------------------------------------------------------------------------------

    def monitor_visible(self) -> bool:
        """Sample only while someone can see it: hidden sidebars cost no CPU and no terminal bytes."""
        return self.show_monitor and self.size.width >= MONITOR_MIN_WIDTH

    @work(exclusive=True, group="monitor", exit_on_error=False)
    async def run_monitor(self) -> None:
        await self.monitor.run(self.monitor_visible)

    @work(exclusive=True, group="engine-metrics", exit_on_error=False)
    async def run_engine_metrics(self) -> None:
        await self.engine_metrics.run(self.monitor_visible)

    def watch_metrics(self, target: MetricsTarget | None) -> None:
        """Scrape this endpoint's /metrics for the engine panel (None: follow the chat's engine)."""
        self.engine_metrics.watch(target)

    def toggle_monitor(self) -> None:
        app_chores.toggle_monitor(self, MONITOR_MIN_WIDTH)

    def unload_model(self, model: str) -> None:
        self.run_worker(app_chores.unload(self, model), group="unload", exit_on_error=False)

    async def sample_now(self) -> MonitorSample | None:
        return await self.monitor.sample_now()

    def model_deleted(self, name: str) -> None:
        self.service.forget(name)
        self.monitor.refresh_ollama()

    # -- connection and model: model_watch.py ----------------------------------------------------

    @work(exclusive=True, group="connection", exit_on_error=False)
    async def poll_connection(self) -> None:
        await self.model_watch.run()

    @work(exclusive=True, group="endpoints", exit_on_error=False)
    async def poll_endpoints(self) -> None:
        """The endpoints the chat is not on (the chat's is the connection watchdog's)."""
        await self.endpoints.run(lambda: self.endpoint)

    def watch_connection(self, state: str) -> None:
        self.endpoints.mirror(self.endpoint, state=state)
        if state == "online":  # (re)connected: the server may have been restarted with other settings
            pid = self._ollama_pid if self.endpoint == self.endpoints.default.name else None
            self.run_worker(
                partial(self.model_watch.read_server_settings, pid),  # type: ignore[arg-type]  # Textual's typing
                group="server-settings",
                exclusive=True,
                exit_on_error=False,
            )

    def watch_server_version(self, version: str) -> None:  # the chat's endpoint's, for the header
        self.endpoints.mirror(self.endpoint, version=version)

    def is_installed(self, model: str) -> bool:
        return self.model_watch.is_installed(model)

    def is_streaming(self, model: str) -> bool:
        return any(
            same_model(streaming, model)
            for screen in self._streaming_screens()
            for streaming in screen.streaming_models()
        )

    async def switch_model(self, name: str, endpoint: str | None = None) -> None:
        await self.model_watch.switch_model(name, endpoint)

    def cycle_think(self) -> None:
        self.model_watch.cycle_think()

    def set_think(self, pref: ThinkSetting) -> None:
        self.model_watch.set_think(pref)

    def generation_request(self) -> GenerationRequest | None:
        return self.model_watch.generation_request()

    def reply_finished(self, turn: Turn | None = None) -> None:
        if self.connection != "online":
            self.poll_connection()
        if turn is not None and turn.stats.final:
            self.reply_stats = (*self.reply_stats, turn.stats)[-REPLY_HISTORY:]
        self.monitor.refresh_ollama()
        self.set_timer(IDLE_GC_DELAY_S, self._collect_when_idle)

    def reply_failed(self, error: GlmTuiError) -> None:
        if error.kind in ("connect", "dropped", "timeout", "stalled"):
            self.poll_connection()  # re-check now rather than at the next poll
        self.monitor.refresh_ollama()
        self.set_timer(IDLE_GC_DELAY_S, self._collect_when_idle)

    def _collect_when_idle(self) -> None:
        """Between replies (services/idle_gc.py says why); the next reply's end tries again if busy."""
        # screen_stack (not self.screen): empty while the app shuts down.
        if self.screen_stack and not any(screen.streaming_models() for screen in self._streaming_screens()):
            self._gc.collect()
