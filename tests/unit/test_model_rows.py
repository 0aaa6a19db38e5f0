"""The models screen's rows: filtering, marks, free-form names, fit cells and the machine line."""

from __future__ import annotations

from glmtui.core.catalog import load_catalog
from glmtui.core.fit import Fit, Need, machine_from
from glmtui.core.server_settings import ContextChoice
from glmtui.core.state import GpuReading, GpuSnapshot, ModelDetails, ModelInfo, MonitorSample, SystemReading
from glmtui.core.units import GIB
from glmtui.widgets.model_rows import TYPED_KEY, RowFit, catalogue_rows, fit_cell, installed_rows

MODELS = [
    ModelInfo("glm-4.7-flash:latest", 19_000_000_000, "glm4moelite", "29.9B", "Q4_K_M"),
    ModelInfo("qwen3-coder:30b", 18_600_000_000, "qwen3moe", "30.5B", "Q4_K_M"),
]


# A row's fit on a machine without GPU information.
NO_GPU = RowFit(
    Fit("unknown"),
    Need(0, None, 0, 4096, "f16", False),
    ContextChoice(4096, "default"),
    None,
    None,
    None,
    False,
)


def plain(rows: list[tuple[str, list]]) -> list[list[str]]:  # type: ignore[type-arg]
    return [[cell.plain for cell in cells] for _, cells in rows]


def test_installed_rows_mark_active_and_loaded_and_filter() -> None:
    details = {
        "glm-4.7-flash:latest": ModelDetails(
            "glm-4.7-flash:latest", capabilities=("completion", "tools", "thinking"), context_length=202_752
        )
    }
    rows = installed_rows(MODELS, details, ["qwen3-coder:30b"], "glm-4.7-flash", "", lambda m: NO_GPU)
    assert plain(rows)[0][:2] == ["▶", "glm-4.7-flash:latest"] and plain(rows)[1][0] == "●"
    assert plain(rows)[0][7:9] == ["202,752", "think tools"] and plain(rows)[1][7] == "…"
    assert plain(rows)[0][2:5] == ["no GPU info", "19 GB", "–"] and plain(rows)[1][4] == "…"
    assert [key for key, _ in installed_rows(MODELS, {}, [], "", "QWEN moe", lambda m: NO_GPU)] == [
        "qwen3-coder:30b"
    ]


def test_catalogue_marks_installed_and_offers_any_typed_name() -> None:
    catalog = load_catalog()
    rows = catalogue_rows(catalog.variants, MODELS, "qwen3-coder", lambda v: NO_GPU)
    assert [key for key, _ in rows] == ["qwen3-coder:30b"] and plain(rows)[0][0] == "✓"
    typed = catalogue_rows(catalog.variants, MODELS, "mistral:7b", lambda v: NO_GPU)
    assert [key for key, _ in typed] == [TYPED_KEY] and "pull 'mistral:7b'" in plain(typed)[0][1]
    # An exact catalogue tag is not offered twice.
    assert TYPED_KEY not in [
        k for k, _ in catalogue_rows(catalog.variants, [], "gpt-oss:20b", lambda v: NO_GPU)
    ]


def test_fit_cells() -> None:
    assert fit_cell(Fit("fits", int(18.1 * GIB), 24 * GIB, 20 * GIB)).plain == "fits 18.1/24 GiB"
    assert fit_cell(Fit("partial", 0, 0, 0, 0.35)).plain == "partial ≈35% CPU"
    assert fit_cell(Fit("wont")).plain == "won't fit" and fit_cell(Fit("unknown")).plain == "no GPU info"


def test_machine_from_a_sample() -> None:
    gpu = GpuReading(0, "NVIDIA GeForce RTX 4090", memory_used=4 * GIB, memory_total=24 * GIB)
    system = SystemReading(10.0, 16, 20 * GIB, 64 * GIB, 0, 0, None)
    machine = machine_from(MonitorSample(GpuSnapshot((gpu, gpu)), system))
    assert machine.vram_total == 48 * GIB and machine.vram_free == 40 * GIB and machine.ram_free == 44 * GIB
    assert machine.label == "2× RTX 4090, 48.0 GiB (40.0 free)"
    none = machine_from(MonitorSample(GpuSnapshot(status="no NVIDIA GPU (NVML library not found)"), system))
    assert none.vram_total is None and none.label == "no NVIDIA GPU (NVML library not found)"
    assert machine_from(None).vram_total is None


def test_a_lost_gpus_stale_figures_are_not_fitted_on() -> None:
    live = GpuReading(0, "NVIDIA GeForce RTX 4090", memory_used=4 * GIB, memory_total=24 * GIB)
    lost = GpuReading(
        1, "NVIDIA GeForce RTX 4090", memory_used=23 * GIB, memory_total=24 * GIB, error="GPU is lost"
    )
    machine = machine_from(MonitorSample(GpuSnapshot((live, lost)), None))
    assert (
        machine.vram_total == 24 * GIB
        and machine.label == "1× RTX 4090, 24.0 GiB (20.0 free); 1 more not answering"
    )
    alone = machine_from(MonitorSample(GpuSnapshot((lost,)), None))
    assert alone.vram_total is None and alone.label == "GPU not answering: GPU is lost"


def test_machine_from_mixed_gpus_names_each() -> None:
    rtx = GpuReading(0, "NVIDIA GeForce RTX 4090", memory_used=4 * GIB, memory_total=24 * GIB)
    h100 = GpuReading(1, "NVIDIA H100 80GB HBM3", memory_used=0, memory_total=80 * GIB)
    machine = machine_from(MonitorSample(GpuSnapshot((rtx, h100)), None))
    assert machine.label == "RTX 4090 + H100 80GB HBM3, 104.0 GiB (100.0 free)"
