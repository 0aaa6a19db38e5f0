"""Monitor panels in a small host app, fed scripted samples."""

from __future__ import annotations

import time

from textual.containers import Vertical
from textual.widget import Widget

from glmtui.core.state import (
    GpuProcess,
    GpuReading,
    GpuSnapshot,
    LoadedModel,
    OllamaProcessReading,
    OllamaSnapshot,
    SystemReading,
)
from glmtui.core.units import GIB
from glmtui.widgets.monitor.gpu_panel import GpuPanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.monitor.system_panel import SystemPanel
from tests.helpers import HostApp, panel_text, wait_until

GPU = GpuReading(
    0,
    "NVIDIA GeForce RTX 4090",
    memory_used=18 * GIB,
    memory_total=24 * GIB,
    util_gpu=93,
    util_memory=40,
    temperature_c=71,
    power_w=312.0,
    power_limit_w=450.0,
    memory_history=(50.0, 75.0),
    util_history=(10.0, 93.0),
    processes=(
        GpuProcess(4242, "ollama", 17 * GIB, is_ollama=True),
        GpuProcess(77, "python3", 300 * 1024**2),
    ),
)


def host(panel: Widget, width: int = 38) -> HostApp:
    panel.styles.width = width
    return HostApp([Vertical(panel)])


async def test_gpu_panel_no_gpu_says_why_in_a_line() -> None:
    panel = GpuPanel()
    async with host(panel).run_test(size=(60, 20)) as pilot:
        panel.snapshot = GpuSnapshot(
            status="No NVIDIA GPU: NVML library not found (no NVIDIA driver installed)"
        )
        await pilot.pause()
        shown = panel_text(panel)
        assert "No NVIDIA GPU: NVML library not found" in shown.replace("\n", " ")


async def test_gpu_panel_one_gpu() -> None:
    panel = GpuPanel()
    async with host(panel).run_test(size=(60, 30)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=(GPU,))
        await pilot.pause()
        shown = panel_text(panel)
        assert "0 RTX 4090" in shown and "71°C" in shown and "312/450 W" in shown
        assert "75%" in shown and "18.0/24.0 GiB" in shown and "93%" in shown and "mem bw 40%" in shown
        assert "▂█  mem bw 40%" in shown  # utilisation's history, under its bar
        assert "ollama" in shown and "17.0 GiB" in shown and "300 MiB" in shown


async def test_gpu_panel_two_gpus_stack_and_a_lost_one_says_so() -> None:
    panel = GpuPanel()
    lost = GpuReading(
        1,
        "NVIDIA A100-SXM4-80GB",
        memory_used=1 * GIB,
        memory_total=80 * GIB,
        error="GPU is lost (fell off the bus or crashed); retrying",
    )
    async with host(panel).run_test(size=(60, 40)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=(GPU, lost))
        await pilot.pause()
        shown = panel_text(panel)
        assert shown.index("0 RTX 4090") < shown.index("1 A100-SXM4-80GB")
        assert "⚠ GPU is lost" in shown


async def test_gpu_panel_a_lost_gpu_shows_its_last_readings_as_stale_and_its_warning_whole() -> None:
    panel = GpuPanel()
    hot = GpuReading(
        0,
        "NVIDIA GeForce RTX 4090",
        memory_used=int(23.5 * GIB),
        memory_total=24 * GIB,
        util_gpu=100,
        util_memory=90,
        temperature_c=95,
        processes=(GpuProcess(4242, "ollama", 23 * GIB, is_ollama=True),),
        error="GPU is lost (fell off the bus or crashed); retrying",
        stale_s=42,
    )
    async with host(panel, width=30).run_test(size=(60, 30)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=(hot,))
        await pilot.pause()
        shown = panel_text(panel)
        # The warning wraps within the sidebar: every word of it is there.
        assert "GPU is lost (fell off the bus or crashed); retrying" in " ".join(shown.split())
        assert "stale: last read 42s ago" in shown
        assert "ollama" not in shown  # who holds VRAM now is not known
        # The old figures are drawn dim, not in the meters' warning colours.
        for y in range(panel.size.height):
            strip = panel.render_line(y)
            for segment in strip:
                if segment.text.strip() and any(mark in segment.text for mark in ("95°C", "98%", "100%")):
                    assert segment.style is not None and segment.style.dim, segment


async def test_gpu_panel_missing_readings_show_na() -> None:
    panel = GpuPanel()
    bare = GpuReading(0, "NVIDIA GeForce GTX 1080", memory_used=GIB, memory_total=8 * GIB)
    async with host(panel).run_test(size=(60, 20)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=(bare,))
        await pilot.pause()
        shown = panel_text(panel)
        assert "GPU  ·" in shown and "n/a" in shown  # utilisation not reported
        assert "°C" not in shown and " W" not in shown


async def test_gpu_panel_names_the_machine_when_ollama_is_remote() -> None:
    panel = GpuPanel()
    async with host(panel).run_test(size=(60, 20)) as pilot:
        panel.remote_host = "http://gpu-box:11434"
        panel.snapshot = GpuSnapshot(gpus=(GPU,), hostname="laptop")
        await pilot.pause()
        shown = panel_text(panel).replace("\n", " ")
        assert "GPU · this machine (laptop)" in shown
        assert "Ollama runs on http://gpu-box:11434" in shown


async def test_steady_readings_repaint_nothing() -> None:
    panel = GpuPanel()
    async with host(panel).run_test(size=(60, 30)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=(GPU,))
        await pilot.pause()
        drawn = panel.cached_strips
        panel.snapshot = GpuSnapshot(gpus=(GPU,), status=None)  # equal readings, a new object
        await pilot.pause()
        assert panel.cached_strips == drawn  # no line was invalidated


async def test_ollama_panel_lists_models_and_unloads_the_picked_one() -> None:
    panel = OllamaPanel()
    models = (
        LoadedModel("glm-4.7-flash:latest", 19 * 10**9, 19 * 10**9, 4096, time.time() + 280),
        LoadedModel("gpt-oss:120b", 65 * 10**9, 50 * 10**9, 8192, None),
    )
    requested: list[str] = []

    class Host(HostApp):
        def on_ollama_panel_unload_requested(self, event: OllamaPanel.UnloadRequested) -> None:
            requested.append(event.model)

    panel.styles.width = 44
    async with Host([Vertical(panel)]).run_test(size=(60, 20)) as pilot:
        panel.snapshot = OllamaSnapshot(online=True, models=models)
        await pilot.pause()
        shown = panel_text(panel)
        assert "19 GB  100% GPU  ctx 4096  keep 4m" in shown
        # Too long for the panel: split over two lines rather than losing the countdown.
        assert "65 GB  23%/77% CPU/GPU\n  ctx 8192  keep forever" in shown
        panel.focus()
        await pilot.press("down", "u")
        await wait_until(lambda: requested == ["gpt-oss:120b"], what="the unload request")
        assert "▸ gpt-oss:120b" in panel_text(panel)


async def test_ollama_panel_offline_and_empty() -> None:
    panel = OllamaPanel()
    async with host(panel).run_test(size=(60, 20)) as pilot:
        panel.snapshot = OllamaSnapshot(online=False, error="Cannot reach Ollama at http://127.0.0.1:9")
        await pilot.pause()
        assert "offline: retrying" in panel_text(panel)
        panel.snapshot = OllamaSnapshot(online=True)
        await pilot.pause()
        assert "no model loaded" in panel_text(panel)


async def test_system_panel() -> None:
    panel = SystemPanel()
    system = SystemReading(
        cpu_percent=12.0,
        cpu_count=16,
        ram_used=21 * GIB,
        ram_total=64 * GIB,
        swap_used=GIB,
        swap_total=8 * GIB,
        load=(1.5, 1.25, 0.75),
        ollama=OllamaProcessReading(1234, 18 * GIB, 104.0),
    )
    async with host(panel).run_test(size=(60, 20)) as pilot:
        panel.system = system
        await pilot.pause()
        shown = panel_text(panel)
        assert "12%" in shown and "21.0/64.0 GiB" in shown and "1.0/8.0 GiB" in shown
        assert "1.50 1.25 0.75" in shown and "16 cpu" in shown
        assert "ollama pid 1234" in shown and "104% cpu" in shown and "18.0 GiB" in shown


async def test_ollama_panel_shows_the_estimate_beside_the_loaded_size() -> None:
    from glmtui.core.load_check import LoadCheck

    panel = OllamaPanel()
    glm = LoadedModel("glm-4.7-flash:latest", 21 * 10**9, 21 * 10**9, 32768, None, digest="d")
    panel.styles.width = 44
    async with HostApp([Vertical(panel)]).run_test(size=(60, 20)) as pilot:
        panel.snapshot = OllamaSnapshot(online=True, models=(glm,))
        panel.checks = (LoadCheck(glm.name, "d", 32768, int(19.9 * GIB), int(19.7 * GIB), int(19.7 * GIB)),)
        await pilot.pause()
        assert "  estimated 19.9 GiB · loaded 19.7 GiB" in panel_text(panel)
        panel.styles.width = 30  # the sidebar's width: one figure per line, never cut mid-figure
        await pilot.pause()
        assert "  estimated 19.9 GiB\n  loaded 19.7 GiB" in panel_text(panel)
        panel.checks = ()
        await pilot.pause()
        assert "estimated" not in panel_text(panel)
