"""Pilot flows for the monitor sidebar: a reply loads a model and the Ollama panel shows it, and more."""

from __future__ import annotations

import openai
from textual.pilot import Pilot

from glmtui.core.state import MonitorIntervals
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.metrics_feed import MetricsTarget
from glmtui.simulator import OpenAISimulator, Simulator
from glmtui.widgets.monitor.engine_panel import EnginePanel
from glmtui.widgets.monitor.gpu_panel import GpuPanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.monitor.sidebar import MonitorSidebar
from glmtui.widgets.monitor.throughput_panel import ThroughputPanel
from tests.fakes import ScriptedSystem, scripted_sampler
from tests.helpers import finished, make_app, panel_text, ready, send, wait_until

FAST = MonitorIntervals(gpu_s=0.5, system_s=0.5, ollama_s=0.5)
FAST_ENGINE = MonitorIntervals(gpu_s=0.5, system_s=0.5, ollama_s=0.5, engine_s=0.2)


async def sampling_stopped(pilot: Pilot[None], system: ScriptedSystem) -> int:
    """Check nothing is sampled over 2.5 sampling intervals; return the read count."""
    reads = system.reads
    await pilot.pause(1.2)
    assert system.reads <= reads + 1  # at most the sample already under way
    return reads


async def test_a_reply_loads_a_model_and_the_ollama_panel_shows_it(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest", monitor_intervals=FAST)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        ollama = app.screen.query_one(OllamaPanel)
        await wait_until(lambda: "no model loaded" in panel_text(ollama), what="an empty /api/ps")
        await finished(await send(pilot, "hello"))
        await wait_until(lambda: "glm-4.7-flash:latest" in panel_text(ollama), what="the loaded model")
        assert "100% GPU" in panel_text(ollama) and "ctx 32768" in panel_text(ollama)  # 24 GiB tier
        gpu = app.screen.query_one(GpuPanel)
        assert "0 RTX 4090" in panel_text(gpu)
        throughput = app.screen.query_one(ThroughputPanel)
        await wait_until(
            lambda: "tok/s" in panel_text(throughput), what="the reply's rate in the throughput panel"
        )


async def test_unload_key_unloads_the_model(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b", monitor_intervals=FAST)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "hello"))
        ollama = app.screen.query_one(OllamaPanel)
        await wait_until(lambda: "qwen3-coder:30b" in panel_text(ollama), what="the loaded model")
        await pilot.press("f3")
        assert ollama.has_focus
        await wait_until(lambda: "▸ qwen3-coder:30b" in panel_text(ollama), what="the picked model marked")
        await pilot.press("u")
        await wait_until(lambda: "no model loaded" in panel_text(ollama), what="the model to unload")
        assert not sim.store.loaded()


async def test_f2_hides_the_sidebar_and_stops_sampling(sim: Simulator) -> None:
    system = ScriptedSystem()
    app = make_app(sim.url, sampler=scripted_sampler(system=system), monitor_intervals=FAST)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        sidebar = app.screen.query_one(MonitorSidebar)
        await wait_until(lambda: system.reads > 0, what="the first sample")
        await pilot.press("f2")
        assert not sidebar.display
        reads = await sampling_stopped(pilot, system)
        await pilot.press("f2")
        assert sidebar.display
        await wait_until(lambda: system.reads > reads + 1, what="sampling to resume")


async def test_no_monitor_config_starts_hidden(sim: Simulator) -> None:
    app = make_app(sim.url, monitor=False)
    async with app.run_test(size=(120, 40)):
        await ready(app)
        assert not app.screen.query_one(MonitorSidebar).display


async def test_sidebar_compacts_below_100_columns_and_hides_below_80(sim: Simulator) -> None:
    system = ScriptedSystem()
    app = make_app(sim.url, sampler=scripted_sampler(system=system), monitor_intervals=FAST)
    async with app.run_test(size=(90, 30)) as pilot:
        await ready(app)
        sidebar = app.screen.query_one(MonitorSidebar)
        assert sidebar.display and sidebar.outer_size.width == 28
        await pilot.resize_terminal(70, 24)
        await pilot.pause()
        assert not sidebar.display
        await sampling_stopped(pilot, system)


async def test_gpu_lost_mid_run_is_shown_and_the_chat_goes_on(sim: Simulator) -> None:
    gpu = ScriptedGpu()
    nvml = ScriptedNvml([gpu])
    app = make_app(sim.url, sampler=scripted_sampler(nvml=nvml), monitor_intervals=FAST)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        panel = app.screen.query_one(GpuPanel)
        await wait_until(lambda: "RTX 4090" in panel_text(panel), what="the GPU")
        gpu.lost = True
        await wait_until(lambda: "GPU is lost" in panel_text(panel), what="the lost GPU")
        turn = await finished(await send(pilot, "still there?"))
        assert turn.reply


async def test_ollama_offline_then_back(sim: Simulator) -> None:
    port = sim.port
    app = make_app(sim.url, monitor_intervals=FAST)
    async with app.run_test(size=(120, 40)):
        await ready(app)
        panel = app.screen.query_one(OllamaPanel)
        await wait_until(lambda: "no model loaded" in panel_text(panel), what="the Ollama panel")
        sim.stop()
        await wait_until(lambda: "offline: retrying" in panel_text(panel), what="offline")
        revived = Simulator(port=port, rate=2000.0, load_seconds=0.01).start()
        try:
            await wait_until(lambda: "no model loaded" in panel_text(panel), what="recovery")
        finally:
            revived.stop()


async def test_the_engine_panel_is_hidden_for_ollama_and_shows_a_vllm_node_when_asked(sim: Simulator) -> None:
    """Ollama has no /metrics: no engine panel. Pointed at a vLLM node's /metrics (as the endpoints do),
    the panel fills with its figures, they move with a request, and F2 hides it and stops the scraping."""
    app = make_app(sim.url, model="glm-4.7-flash:latest", monitor_intervals=FAST_ENGINE)
    with OpenAISimulator("vllm", rate=5000.0, spec_decode=True) as node:
        async with app.run_test(size=(120, 50)) as pilot:
            await ready(app)
            engine = app.screen.query_one(EnginePanel)
            assert not engine.display
            app.watch_metrics(MetricsTarget(node.url, flavour="vllm", name="node1"))
            await wait_until(lambda: "running" in panel_text(engine), what="the node's figures")
            assert engine.display and "Engine · vLLM · node1" in panel_text(engine)
            async with openai.AsyncOpenAI(base_url=f"{node.url}/v1", api_key="none", max_retries=0) as c:
                await c.chat.completions.create(
                    model="glm-4.7-flash", messages=[{"role": "user", "content": "hi"}]
                )
            await wait_until(lambda: "spec accept" in panel_text(engine), what="the request's figures")
            await pilot.press("f2")
            await wait_until(lambda: not app.monitor_visible(), what="the sidebar to hide")
            await pilot.pause(0.1)  # a scrape already under way
            scrapes = sum(1 for _, path, _ in node.requests if path == "/metrics")
            await pilot.pause(1.0)  # five intervals
            assert sum(1 for _, path, _ in node.requests if path == "/metrics") == scrapes
            app.watch_metrics(None)  # back to following the chat's engine: Ollama, no metrics
            await pilot.press("f2")
            await wait_until(lambda: not engine.display, what="the panel to hide again")
