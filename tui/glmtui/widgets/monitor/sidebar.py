"""MonitorSidebar: the panels beside the chat, fed by the app's monitor signals.

The app samples (in its monitor loop) and publishes; the sidebar keeps the latest values in
reactives and its panels bind to them, so a panel never reaches for data itself.
"""

from __future__ import annotations

from textual import getters
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive

from glmtui.core.engine_metrics import EngineMetrics
from glmtui.core.load_check import LoadCheck
from glmtui.core.placement import Placement, place
from glmtui.core.state import GenerationStats, GpuSnapshot, MonitorSample, OllamaSnapshot, SystemReading
from glmtui.core.stats import LiveStats
from glmtui.surface import AppSurface
from glmtui.widgets.monitor.engine_panel import EnginePanel
from glmtui.widgets.monitor.gpu_panel import GpuPanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.monitor.system_panel import SystemPanel
from glmtui.widgets.monitor.throughput_panel import ThroughputPanel


class MonitorSidebar(VerticalScroll):
    """GPU, Ollama, engine (`/metrics`, only for an engine that has them), throughput and system panels."""

    DEFAULT_CSS = """
    MonitorSidebar {
        width: 38; height: 1fr; background: $surface; border-left: vkey $panel;
        scrollbar-size-vertical: 1;
    }
    MonitorSidebar > LinesPanel { margin-bottom: 1; }
    MonitorSidebar > OllamaPanel:focus { background: $boost; }
    """

    app = getters.app(AppSurface)

    gpu: reactive[GpuSnapshot | None] = reactive(None, repaint=False)
    system: reactive[SystemReading | None] = reactive(None, repaint=False)
    ollama: reactive[OllamaSnapshot | None] = reactive(None, repaint=False)
    history: reactive[tuple[GenerationStats, ...]] = reactive((), repaint=False)
    placement: reactive[Placement] = reactive(Placement(), repaint=False)  # which GPU holds which model
    checks: reactive[tuple[LoadCheck, ...]] = reactive((), repaint=False)  # estimates beside /api/ps
    engine: reactive[EngineMetrics | None] = reactive(None, repaint=False)  # the engine's /metrics

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._streaming = False
        self._held: MonitorSample | None = None

    def _follow_endpoint(self) -> None:
        app = self.app
        remote = "" if app.ollama_is_local else app.host
        self.query_one(GpuPanel).remote_host = remote
        self.query_one(SystemPanel).ollama_local = not remote
        demo = app.config.demo and app.endpoint == app.endpoints.default.name
        ollama = self.query_one(OllamaPanel)
        ollama.host = "built-in simulator" if demo else app.host
        # An engine without `/api/ps` (vLLM, SGLang) has no loaded models to show: the panel would say
        # "no model loaded" of a server that serves its model all the time. Its engine panel shows instead.
        ollama.display = app.service.capabilities.loaded_models

    def compose(self) -> ComposeResult:
        yield GpuPanel(id="gpu-panel").data_bind(
            snapshot=MonitorSidebar.gpu, placement=MonitorSidebar.placement
        )
        yield OllamaPanel(id="ollama-panel").data_bind(
            snapshot=MonitorSidebar.ollama, placement=MonitorSidebar.placement, checks=MonitorSidebar.checks
        )
        yield EnginePanel(id="engine-panel").data_bind(reading=MonitorSidebar.engine)
        yield ThroughputPanel(id="throughput-panel").data_bind(history=MonitorSidebar.history)
        yield SystemPanel(id="system-panel").data_bind(system=MonitorSidebar.system)

    def on_mount(self) -> None:
        app = self.app
        # The panels follow the chat's endpoint (the Ollama panel shows its /api/ps).
        self.watch(app, "endpoint", lambda _: self._follow_endpoint())
        if app.monitor.sample is not None:
            self._got_sample(app.monitor.sample)
        self.ollama = app.monitor.snapshot
        app.monitor_signal.subscribe(self, self._got_sample)
        app.ollama_signal.subscribe(self, self._got_snapshot)
        self.checks = tuple(app.load_checker.checks.values())
        app.load_check_signal.subscribe(self, self._got_checks)
        self.watch(app, "reply_stats", self._got_history)
        self.engine = app.engine_metrics.reading
        app.engine_signal.subscribe(self, self._got_engine)

    def _got_sample(self, sample: MonitorSample) -> None:
        if self._streaming:
            # While a reply streams, readings wait for the screen's live tick: they repaint in the
            # same frame as the live rate instead of adding frames of their own.
            self._held = sample
            return
        # Two reactives: a panel whose part did not change is not even rebuilt.
        self.gpu, self.system = sample.gpu, sample.system

    def watch_gpu(self) -> None:
        self._place()

    def watch_ollama(self) -> None:
        self._place()

    def _place(self) -> None:
        # Both panels show the same map; a reactive only notifies when it changed, so equal maps cost nothing.
        gpus = self.gpu.gpus if self.gpu else ()
        models = self.ollama.models if self.ollama and self.ollama.online else ()
        self.placement = place(gpus, models)

    def _got_snapshot(self, snapshot: OllamaSnapshot) -> None:
        self.ollama = snapshot

    def _got_engine(self, reading: EngineMetrics) -> None:
        self.engine = reading

    def _got_checks(self, checks: tuple[LoadCheck, ...]) -> None:
        self.checks = checks

    def _got_history(self, history: tuple[GenerationStats, ...]) -> None:
        self.history = history

    def follow(self, live: LiveStats | None) -> None:
        """A reply started streaming (its live stats), or ended (None)."""
        self._streaming = live is not None
        self.query_one(ThroughputPanel).follow(live)
        if not self._streaming:
            self._release()

    def tick(self) -> None:
        """Called a few times a second by the screen while a reply streams."""
        self.query_one(ThroughputPanel).tick()
        self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self.gpu, self.system = held.gpu, held.system
