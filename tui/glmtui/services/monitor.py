"""The monitor's sampler: one call reads GPUs (NVML) and this machine (psutil) into a MonitorSample.

It is synchronous and meant for one dedicated thread (the app's monitor loop runs it there), so NVML
is only ever touched from that thread and never from the UI's event loop. Each source keeps its own
cadence; calling `sample()` more often than an interval just returns the last reading for it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Protocol

from glmtui.core.state import GpuSnapshot, MonitorIntervals, MonitorSample, SystemReading
from glmtui.services.gpu_sampler import GpuSampler
from glmtui.services.nvml import Nvml, PynvmlAdapter


class SystemReader(Protocol):
    """What reads this machine's figures: `SystemSampler`, or a scripted one in tests and screenshots."""

    def read(self, now: float) -> SystemReading: ...


class Sampler:
    """GPU and system readings at their configured cadences."""

    def __init__(
        self,
        nvml: Nvml | None = None,
        intervals: MonitorIntervals | None = None,
        *,
        ollama_local: bool = True,
        ollama_pid: int | None = None,
        system: SystemReader | None = None,
        hostname: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.intervals = intervals or MonitorIntervals()
        self.clock = clock
        self.gpus = GpuSampler(
            nvml or PynvmlAdapter(),
            memory_s=self.intervals.gpu_s,
            slow_s=self.intervals.gpu_slow_s,
            processes_s=self.intervals.processes_s,
            process_name=_process_name,
            process_blob=_runner_blob,
        )
        self._ollama_local, self._ollama_pid = ollama_local, ollama_pid
        self._system: SystemReader | None = system  # else created on the sampling thread, at first use
        self._system_reading: SystemReading | None = None
        self._system_at = 0.0
        self._hostname = hostname

    def sample(self) -> MonitorSample:
        now = self.clock()
        if self._system is None:
            # psutil is imported here, on the sampling thread, not on the way to the first frame.
            from glmtui.services.system_sampler import SystemSampler

            self._system = SystemSampler(ollama_local=self._ollama_local, ollama_pid=self._ollama_pid)
        if not self._hostname:
            self._hostname = socket.gethostname()
        gpus, status = self.gpus.read(now)
        if now >= self._system_at:
            self._system_at = now + self.intervals.system_s
            self._system_reading = self._system.read(now)
        return MonitorSample(GpuSnapshot(gpus, status, self._hostname), self._system_reading)

    def close(self) -> None:
        self.gpus.close()


def _process_name(pid: int) -> str:
    from glmtui.services.system_sampler import process_name

    return process_name(pid)


def _runner_blob(pid: int) -> str:
    from glmtui.services.system_sampler import runner_blob

    return runner_blob(pid)
