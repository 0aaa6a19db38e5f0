"""The bench's GPU memory peak on this machine: NVML read in a thread while a cell runs.

The GPU sampler (services/gpu_sampler.py) reads every GPU at its own cadence, never faster than 2 Hz
(NVML calls take the driver lock the model's own GPU work needs). This thread asks it twice a second and
keeps the highest total memory in use across the GPUs since the cell began (`mark`). No GPU, no NVML, or
a GPU that stopped answering: the peak is unknown (None) with the reason, never 0.
"""

from __future__ import annotations

import os
import threading
import time

from glmtui.core.fit import Machine
from glmtui.core.state import GpuReading
from glmtui.core.units import gib, gpu_names
from glmtui.services.gpu_sampler import GpuSampler
from glmtui.services.nvml import Nvml

INTERVAL_S = 0.5


class PeakSampler:
    """Samples NVML in a daemon thread between `start()` and `stop()`; `mark()` begins a new peak."""

    def __init__(self, nvml: Nvml, interval_s: float = INTERVAL_S) -> None:
        self._sampler = GpuSampler(nvml, memory_s=interval_s, slow_s=3600.0, processes_s=3600.0)
        self._interval = interval_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak: int | None = None
        self.gpus: tuple[str, ...] = ()
        self.note = "GPU not read yet"  # why there is no peak

    def start(self) -> PeakSampler:
        self._thread = threading.Thread(target=self._loop, name="bench-nvml", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sampler.close()

    def mark(self) -> None:
        """A new cell: forget the peak so far, and read once now (a cell shorter than the interval
        still gets a reading)."""
        with self._lock:
            self._peak = None
        self.sample()

    def peak(self) -> int | None:
        """The highest total GPU memory in use since `mark` (read once more now), or None when unknown."""
        self.sample()
        with self._lock:
            return self._peak

    def sample(self) -> None:
        with self._lock:  # the sampler is read from one thread at a time
            readings, status = self._sampler.read(time.monotonic())
            self._take(readings, status)

    def _take(self, readings: tuple[GpuReading, ...], status: str | None) -> None:
        live = [r for r in readings if r.error is None and r.memory_used is not None]
        if status is not None or not live:
            failed = next((r.error for r in readings if r.error), None)
            self.note = status or failed or "no GPU memory reading"
            return
        self.gpus = tuple(r.name for r in readings)
        self.note = ""
        used = sum(r.memory_used or 0 for r in live)
        self._peak = used if self._peak is None else max(self._peak, used)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()


def machine_now(nvml: Nvml) -> Machine:
    """This machine's GPUs and free RAM now, for the bench's fit check (one NVML reading)."""
    import psutil

    sampler = GpuSampler(nvml, slow_s=3600.0, processes_s=3600.0)
    try:
        readings, status = sampler.read(time.monotonic())
    finally:
        sampler.close()
    ram_free = int(psutil.virtual_memory().available)
    gpus = [r for r in readings if r.error is None and r.memory_total]
    if not gpus:
        return Machine(None, None, ram_free, status or "no GPU memory reading")
    totals = tuple(r.memory_total or 0 for r in gpus)
    free = sum((r.memory_total or 0) - (r.memory_used or 0) for r in gpus)
    label = f"{gpu_names([r.name for r in gpus])}, {gib(sum(totals))} GiB ({gib(free)} free)"
    return Machine(sum(totals), free, ram_free, label, totals)


def bench_nvml() -> Nvml:
    """The NVML a bench reads its peaks with: its own (the app's sampler keeps its own; NVML counts
    its init/shutdown calls, so two users never shut each other down). `GLMTUI_SCRIPTED_GPU=N`:
    scripted GPUs, for benchmarks, tests and the demo on machines without one."""
    if os.environ.get("GLMTUI_SCRIPTED_GPU"):
        from glmtui.services.fake_nvml import scripted_from_env

        return scripted_from_env(os.environ["GLMTUI_SCRIPTED_GPU"])
    from glmtui.services.nvml import PynvmlAdapter

    return PynvmlAdapter()
