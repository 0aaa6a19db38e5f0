"""Scripted NVML: GPUs whose readings and failures a test (or a screenshot) decides.

It implements the same `Nvml` protocol as the real adapter and fails the same way, with
`NvmlError` codes NVML itself uses, so the sampler cannot tell the difference. It also counts
calls, so tests can check the sampler's cadence (NVML calls serialise on the driver lock that the
model's own GPU work needs, so how often we call matters).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from glmtui.core.units import GIB
from glmtui.services import nvml
from glmtui.services.nvml import NvmlError


@dataclass
class ScriptedGpu:
    """One fake device. Change its fields between samples to script a run."""

    name: str = "NVIDIA GeForce RTX 4090"
    memory_total: int = 24 * GIB
    memory_used: int = 1 * GIB
    util_gpu: int = 0
    util_memory: int = 0
    temperature: int = 41
    power_mw: int = 28_000
    power_limit_mw: int = 450_000
    processes: list[tuple[int, int | None]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # functions this "old driver" lacks
    lost: bool = False  # every call on this device fails with GPU_IS_LOST


class ScriptedNvml:
    """A fake NVML over a list of `ScriptedGpu`s."""

    def __init__(self, gpus: list[ScriptedGpu] | None = None, *, init_error: int | None = None) -> None:
        self.gpus = list(gpus or [])
        self.init_error = init_error  # e.g. nvml.LIBRARY_NOT_FOUND: "no NVIDIA GPU here"
        self.calls: Counter[str] = Counter()
        self.initialised = False

    def _device(self, fn: str, handle: int) -> ScriptedGpu:
        self.calls[fn] += 1
        if not self.initialised:
            raise NvmlError(nvml.UNINITIALIZED, "Uninitialized")
        gpu = self.gpus[handle]
        if gpu.lost:
            raise NvmlError(nvml.GPU_IS_LOST, "GPU is lost")
        if fn in gpu.missing:
            raise NvmlError(nvml.FUNCTION_NOT_FOUND, "Function Not Found")
        return gpu

    def init(self) -> None:
        self.calls["init"] += 1
        if self.init_error is not None:
            raise NvmlError(self.init_error, _MESSAGES.get(self.init_error, "Unknown Error"))
        self.initialised = True

    def shutdown(self) -> None:
        self.calls["shutdown"] += 1
        self.initialised = False

    def device_count(self) -> int:
        self.calls["device_count"] += 1
        if not self.initialised:
            raise NvmlError(nvml.UNINITIALIZED, "Uninitialized")
        return len(self.gpus)

    def handle(self, index: int) -> int:
        self._device("handle", index)
        return index

    def name(self, handle: int) -> str:
        return self._device("name", handle).name

    def memory(self, handle: int) -> tuple[int, int]:
        gpu = self._device("memory", handle)
        return gpu.memory_used, gpu.memory_total

    def utilization(self, handle: int) -> tuple[int, int]:
        gpu = self._device("utilization", handle)
        return gpu.util_gpu, gpu.util_memory

    def temperature(self, handle: int) -> int:
        return self._device("temperature", handle).temperature

    def power_usage_mw(self, handle: int) -> int:
        return self._device("power_usage_mw", handle).power_mw

    def power_limit_mw(self, handle: int) -> int:
        return self._device("power_limit_mw", handle).power_limit_mw

    def processes(self, handle: int) -> list[tuple[int, int | None]]:
        return list(self._device("processes", handle).processes)


_MESSAGES = {
    nvml.LIBRARY_NOT_FOUND: "NVML Shared Library Not Found",
    nvml.DRIVER_NOT_LOADED: "Driver Not Loaded",
    nvml.GPU_IS_LOST: "GPU is lost",
}


def scripted_from_env(value: str) -> ScriptedNvml:
    """`GLMTUI_SCRIPTED_GPU=N`: N steady RTX 4090s, for benchmarks and screenshots on GPU-less machines."""
    try:
        count = max(1, min(8, int(value)))
    except ValueError:
        count = 1
    return ScriptedNvml([ScriptedGpu(memory_used=(17 + i) * GIB) for i in range(count)])
