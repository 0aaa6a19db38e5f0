"""Scripted monitor sources for tests: a fixed system reading and a sampler over fake NVML."""

from __future__ import annotations

from glmtui.core.state import MonitorIntervals, SystemReading
from glmtui.core.units import GIB
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.monitor import Sampler


class ScriptedSystem:
    """A machine whose figures never change (so screens are deterministic)."""

    def __init__(self, reading: SystemReading | None = None) -> None:
        self.reading = reading or SystemReading(
            cpu_percent=12.0,
            cpu_count=16,
            ram_used=21 * GIB,
            ram_total=64 * GIB,
            swap_used=0,
            swap_total=8 * GIB,
            load=(1.5, 1.2, 0.9),
        )
        self.reads = 0

    def read(self, now: float) -> SystemReading:
        self.reads += 1
        return self.reading


def scripted_sampler(
    nvml: ScriptedNvml | None = None,
    intervals: MonitorIntervals | None = None,
    system: ScriptedSystem | None = None,
) -> Sampler:
    """A Sampler over one scripted RTX 4090 and a scripted machine."""
    nvml = nvml if nvml is not None else ScriptedNvml([ScriptedGpu(memory_used=2 * GIB)])
    return Sampler(nvml, intervals, system=system or ScriptedSystem(), hostname="testbox")


class FakeClock:
    """A monotonic clock the test moves by hand (`clock.now += 1.0`)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
