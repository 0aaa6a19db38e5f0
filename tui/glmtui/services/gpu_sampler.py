"""Reads every GPU through the NVML adapter, each value at its own cadence.

NVML is initialised and device handles are taken once. Memory and utilisation are read every
`memory_s` (never faster than 2 Hz: NVML calls serialise on the driver lock the model's own GPU work
needs), temperature and power every `slow_s`, processes every `processes_s` (with, for an Ollama runner,
the weights blob its command line names, read once per pid). A value NVML cannot give
on this driver or board is n/a and is not asked for again. A device that fails (a GPU lost mid-run,
any other NVML error) keeps its last readings, carries the error and the readings' age (so nothing
shows them as live), and is retried every `retry_s`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from glmtui.core.state import GpuProcess, GpuReading
from glmtui.services import nvml as codes
from glmtui.services.nvml import Nvml, NvmlError

MIN_INTERVAL_S = 0.5
HISTORY_S = 60.0
SLACK = 0.05  # a reading is due this fraction of its interval early: the loop's wakeups jitter


def _due(now: float, at: float, interval: float) -> bool:
    # Without slack, a wakeup 1 ms early would skip a whole interval (1 s readings every 2 s).
    return now >= at - SLACK * interval


@dataclass
class _Device:
    """What we know about one device between samples."""

    handle: Any
    reading: GpuReading
    memory_history: deque[float]
    util_history: deque[float]
    missing: set[str] = field(default_factory=set)  # readings this driver cannot give: n/a for good
    next_fast: float = 0.0
    last_fast: float = float("-inf")
    next_slow: float = 0.0
    next_processes: float = 0.0
    retry_at: float = 0.0
    read_at: float | None = None  # when memory and utilisation were last read: a stale reading's age


class GpuSampler:
    """Turns NVML into `GpuReading`s. Call `read()` from one thread only."""

    def __init__(
        self,
        nvml: Nvml,
        *,
        memory_s: float = 1.0,
        slow_s: float = 5.0,
        processes_s: float = 5.0,
        retry_s: float = 10.0,
        process_name: Callable[[int], str] = lambda pid: "",
        process_blob: Callable[[int], str] = lambda pid: "",
    ) -> None:
        self.nvml = nvml
        self.memory_s = max(MIN_INTERVAL_S, memory_s)
        self.slow_s = max(self.memory_s, slow_s)
        self.processes_s = max(5.0, processes_s)  # listing processes is the costliest call: at most every 5 s
        self.retry_s = retry_s
        self.process_name = process_name
        self.process_blob = process_blob  # an Ollama runner's weights blob, from its command line
        self._blobs: dict[int, str] = {}  # pid → blob: a command line does not change, read it once
        self.status: str | None = "reading GPUs…"
        self._devices: list[_Device] = []
        self._ready = False
        self._give_up = False
        self._init_at = 0.0

    def read(self, now: float) -> tuple[tuple[GpuReading, ...], str | None]:
        """All devices' current readings, and a one-line status when there are none to show."""
        if not self._ready:
            if self._give_up or now < self._init_at:
                return (), self.status
            self._start(now)
            if not self._ready:
                return (), self.status
        for device in self._devices:
            self._read_device(device, now)
        self._forget_gone()
        return tuple(d.reading for d in self._devices), None

    def close(self) -> None:
        if self._ready:
            self.nvml.shutdown()
            self._ready = False

    # -- internals --------------------------------------------------------------------------------

    def _start(self, now: float) -> None:
        try:
            self.nvml.init()
            count = self.nvml.device_count()
            devices = []
            for index in range(count):
                handle = self.nvml.handle(index)
                name = self.nvml.name(handle)
                points = int(HISTORY_S / self.memory_s)
                devices.append(
                    _Device(handle, GpuReading(index, name), deque(maxlen=points), deque(maxlen=points))
                )
        except NvmlError as exc:
            if exc.code in (codes.LIBRARY_NOT_FOUND, codes.DRIVER_NOT_LOADED):
                self.status = f"No NVIDIA GPU: {exc.reason()}"
                self._give_up = exc.code == codes.LIBRARY_NOT_FOUND  # a library does not appear mid-run
            else:
                self.status = f"GPU unavailable: {exc.reason()}"
            self._init_at = now + self.retry_s
            self.nvml.shutdown()
            return
        if not devices:
            self.status = "No NVIDIA GPU: NVML found no devices"
            self._give_up = True
            return
        self._devices, self._ready, self.status = devices, True, None

    def _read_device(self, device: _Device, now: float) -> None:
        if device.reading.error is not None and now < device.retry_at:
            device.reading = replace(device.reading, stale_s=self._age(device, now))
            return
        try:
            changes: dict[str, Any] = {"error": None, "stale_s": None}
            # The slack never takes NVML past 2 Hz: the last fast read must be MIN_INTERVAL_S ago.
            fast_due = _due(now, device.next_fast, self.memory_s) and now - device.last_fast >= MIN_INTERVAL_S
            if fast_due or device.reading.error is not None:
                device.next_fast, device.last_fast = now + self.memory_s, now
                self._read_fast(device, changes)
                device.read_at = now
            if now >= device.next_slow:  # slow readings: strictly, a late one costs nothing
                device.next_slow = now + self.slow_s
                self._read_slow(device, changes)
            if now >= device.next_processes:
                device.next_processes = now + self.processes_s
                procs = self._value(device, "processes")
                changes["processes"] = None if procs is None else self._processes(procs)
        except NvmlError as exc:
            # The device (not one reading) failed: keep what it last showed, say why, retry slowly.
            device.reading = replace(device.reading, error=exc.reason(), stale_s=self._age(device, now))
            device.retry_at = now + self.retry_s
            return
        device.reading = replace(device.reading, **changes)

    def _forget_gone(self) -> None:
        # A pid that left every device is forgotten: the kernel may give it to another process.
        listed = {p.pid for d in self._devices for p in (d.reading.processes or ())}
        self._blobs = {pid: blob for pid, blob in self._blobs.items() if pid in listed}

    @staticmethod
    def _age(device: _Device, now: float) -> int | None:
        # Whole seconds: the panel shows them, and a sample differing by a fraction would repaint for nothing.
        return None if device.read_at is None else int(now - device.read_at)

    def _read_fast(self, device: _Device, changes: dict[str, Any]) -> None:
        memory = self._value(device, "memory")
        if memory is not None:
            used, total = memory
            changes.update(memory_used=used, memory_total=total)
            device.memory_history.append(100.0 * used / total if total else 0.0)
            changes["memory_history"] = tuple(device.memory_history)
        util = self._value(device, "utilization")
        if util is not None:
            changes.update(util_gpu=util[0], util_memory=util[1])
            device.util_history.append(float(util[0]))
            changes["util_history"] = tuple(device.util_history)

    def _read_slow(self, device: _Device, changes: dict[str, Any]) -> None:
        changes["temperature_c"] = self._value(device, "temperature")
        power = self._value(device, "power_usage_mw")
        changes["power_w"] = None if power is None else power / 1000
        limit = self._value(device, "power_limit_mw")
        changes["power_limit_w"] = None if limit is None else limit / 1000

    def _value(self, device: _Device, fn: str) -> Any:
        """One NVML reading; None (and never asked again) when this driver or board lacks it."""
        if fn in device.missing:
            return None
        try:
            return getattr(self.nvml, fn)(device.handle)
        except NvmlError as exc:
            if exc.reading_unavailable:
                device.missing.add(fn)
                return None
            raise

    def _processes(self, procs: list[tuple[int, int | None]]) -> tuple[GpuProcess, ...]:
        out = []
        for pid, used in procs:
            name = self.process_name(pid)
            if pid not in self._blobs:
                self._blobs[pid] = self.process_blob(pid) if name else ""
            blob = self._blobs[pid]
            # A runner started on a blob of Ollama's store is Ollama's, whatever its name (llama-server).
            ollama = name.lower().startswith("ollama") or bool(blob)
            out.append(GpuProcess(pid, name or f"pid {pid}", used, is_ollama=ollama, model_blob=blob))
        # Biggest holders first; those the driver cannot size go last.
        return tuple(sorted(out, key=lambda p: -(p.used_bytes or -1)))
