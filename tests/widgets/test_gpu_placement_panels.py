"""The GPU and Ollama panels say which GPU holds which model, fed by scripted NVML through the sampler."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widget import Widget

from glmtui.core.placement import place
from glmtui.core.state import GpuReading, GpuSnapshot, LoadedModel, OllamaSnapshot
from glmtui.core.units import GIB, MIB
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.gpu_sampler import GpuSampler
from glmtui.widgets.monitor.gpu_panel import GpuPanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from tests.helpers import HostApp, panel_text

BLOB = "ab" * 32
GLM = LoadedModel("glm-4.7-flash:q4_K_M", int(19.7 * GIB), int(18.6 * GIB), 32768, blob=BLOB)
NAMES = {4242: "ollama", 77: "python3"}


def host(*panels: Widget, width: int = 38) -> HostApp:
    for panel in panels:
        panel.styles.width = width
    return HostApp([Vertical(*panels)])


def readings(*gpus: ScriptedGpu, blobs: dict[int, str] | None = None) -> tuple[GpuReading, ...]:
    """What the sampler makes of scripted NVML (process names and runner blobs scripted too)."""
    blobs = {4242: BLOB} if blobs is None else blobs
    sampler = GpuSampler(
        ScriptedNvml(list(gpus)),
        process_name=lambda pid: NAMES.get(pid, ""),
        process_blob=lambda pid: blobs.get(pid, ""),
    )
    out, status = sampler.read(0.0)
    assert status is None
    return out


TWO_GPUS = (
    ScriptedGpu(memory_used=12 * GIB, processes=[(4242, int(9.5 * GIB)), (77, 300 * MIB)]),
    ScriptedGpu(name="NVIDIA H100 80GB HBM3", memory_total=80 * GIB, processes=[(4242, int(9.6 * GIB))]),
)


async def test_gpu_panel_names_the_model_under_each_gpu_that_holds_it() -> None:
    gpus = readings(*TWO_GPUS)
    panel = GpuPanel()
    async with host(panel).run_test(size=(60, 40)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=gpus)
        panel.placement = place(gpus, [GLM])
        await pilot.pause()
        shown = panel_text(panel)
        first, second = shown.split("1 H100 80GB HBM3")
        # One runner over two GPUs: a model line under each, with that GPU's own bytes.
        assert "glm-4.7-flash:q4_K_M" in first and "9.5 GiB" in first
        assert "glm-4.7-flash:q4_K_M" in second and "9.6 GiB" in second
        assert "ollama" not in shown and "≈" not in shown  # the model line stands in for its runner's
        assert "python3" in first and "300 MiB" in first  # other holders still listed


async def test_gpu_panel_says_a_size_match_is_a_guess() -> None:
    # Ollama in a container: the pid cannot be named and its command line not read.
    gpus = readings(ScriptedGpu(memory_used=20 * GIB, processes=[(31337, int(19.1 * GIB))]), blobs={})
    remote = LoadedModel(GLM.name, GLM.size, GLM.size_vram)
    panel = GpuPanel()
    async with host(panel).run_test(size=(60, 40)) as pilot:
        panel.snapshot = GpuSnapshot(gpus=gpus)
        panel.placement = place(gpus, [remote])
        await pilot.pause()
        assert "≈ likely glm-4.7-flash:q4_K_M 19.1 GiB" in " ".join(panel_text(panel).split())
        panel.placement = place(gpus, [remote, LoadedModel("other:20b", 19 * GIB, 19 * GIB)])
        await pilot.pause()
        shown = panel_text(panel)  # two models fit that size: unknown, the plain process line again
        assert "glm-4.7" not in shown and "pid 31337" in shown


async def test_gpu_panel_wraps_a_long_model_name_in_a_narrow_sidebar_and_never_reads_markup() -> None:
    long = LoadedModel("hf.co/unsloth/GLM-4.7-Flash-GGUF:[bold]Q4_K_M[/bold]", 19 * GIB, 18 * GIB, blob=BLOB)
    gpus = readings(ScriptedGpu(memory_used=20 * GIB, processes=[(4242, int(18.5 * GIB))]))
    panel = GpuPanel()
    async with host(panel, width=26).run_test(size=(60, 40)) as pilot:  # compact: under 30 columns
        panel.snapshot = GpuSnapshot(gpus=gpus)
        panel.placement = place(gpus, [long])
        await pilot.pause()
        lines = panel_text(panel).splitlines()
        start = next(i for i, line in enumerate(lines) if "hf.co" in line)
        folded = "".join("".join(line.split()) for line in lines[start:])
        assert (
            folded == "hf.co/unsloth/GLM-4.7-Flash-GGUF:[bold]Q4_K_M[/bold]18.5GiB"
        )  # whole, markup as text
        assert all(len(line) <= 24 for line in lines)  # 26 columns less the panel's padding


async def test_ollama_panel_says_which_gpus_hold_each_model() -> None:
    gpus = readings(*TWO_GPUS)
    models = (GLM, LoadedModel("qwen3:0.6b", GIB, 0, 4096))  # the second runs on the CPU
    ollama = OllamaPanel()
    async with host(ollama, width=40).run_test(size=(60, 30)) as pilot:
        ollama.snapshot = OllamaSnapshot(online=True, models=models)
        ollama.placement = place(gpus, models)
        await pilot.pause()
        shown = panel_text(ollama)
        glm, qwen = shown.split("qwen3:0.6b")
        assert "on GPU 0 RTX 4090" in glm and "9.5 GiB" in glm
        assert "on GPU 1 H100 80GB HBM3" in glm and "9.6 GiB" in glm
        assert "GPU" not in qwen.replace("CPU", "")  # nothing claimed for a model on the CPU

        guessed = readings(ScriptedGpu(processes=[(31337, int(19.1 * GIB))]), blobs={})
        remote = LoadedModel(GLM.name, GLM.size, GLM.size_vram)
        ollama.snapshot = OllamaSnapshot(online=True, models=(remote,))
        ollama.placement = place(guessed, [remote])
        await pilot.pause()
        assert "≈ likely GPU 0 RTX 4090" in panel_text(ollama)
