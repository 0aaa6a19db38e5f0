"""benchmarks/nvml_check.py prints the model-to-GPU map, and says what is missing when it cannot."""

from __future__ import annotations

import pytest
from benchmarks.nvml_check import loaded_models, print_map

from glmtui.core.state import GpuProcess, GpuReading
from glmtui.core.units import GIB, MIB
from glmtui.services.engines.ollama import OllamaService
from glmtui.simulator import Simulator

MODEL = "glm-4.7-flash:latest"


async def test_the_map_names_the_model_a_runner_holds_beside_nvidia_smis_figure(
    sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    models, error = await loaded_models(sim.url)
    assert (models, error) == ([], "")
    assert await _load(sim) == [MODEL]
    models, error = await loaded_models(sim.url)  # a loopback server: blobs asked of /api/show
    assert [m.name for m in models] == [MODEL] and len(models[0].blob) == 64
    runner = GpuProcess(4242, "ollama", 17 * GIB, is_ollama=True, model_blob=models[0].blob)
    other = GpuProcess(77, "python3", 300 * MIB)
    gpus = (GpuReading(0, "NVIDIA GeForce RTX 4090", processes=(runner, other)),)
    print_map(gpus, models, error, sim.url, {(0, 4242): "17410"})
    out = capsys.readouterr().out
    assert f"| 0 | 4242 | ollama | {17 * 1024} | 17410 | {MODEL} | pid |" in out
    assert "| 0 | 77 | python3 | 300 | not listed |  | unknown |" in out


def test_without_gpu_nvidia_smi_or_ollama_each_part_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    print_map((), [], "Cannot reach Ollama at http://127.0.0.1:9", "http://127.0.0.1:9", None)
    out = capsys.readouterr().out
    assert "Ollama: Cannot reach Ollama" in out
    assert "nvidia-smi not found or failed" in out and "no GPU readings" in out


async def _load(sim: Simulator) -> list[str]:
    service = OllamaService(sim.url)
    try:
        await service.client.generate(model=MODEL, prompt="", keep_alive="5m")
        return [m.name for m in await service.ps()]
    finally:
        await service.close()
