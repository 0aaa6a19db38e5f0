"""A thin adapter over NVIDIA's NVML binding (`nvidia-ml-py`, imported as `pynvml`).

The sampler calls only the handful of functions below, and sees only `NvmlError` (a code and a
message), never pynvml's types. That seam is what lets tests, the screenshots and the benchmarks
give it scripted GPUs and scripted failures (`glmtui.services.fake_nvml`). Units stay NVML's
(bytes, percent, °C, milliwatts); the sampler converts.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

# NVML return codes the sampler treats specially (values from nvml.h; pynvml uses the same numbers).
UNINITIALIZED = 1
NOT_SUPPORTED = 3
NO_PERMISSION = 4
DRIVER_NOT_LOADED = 9
LIBRARY_NOT_FOUND = 12
FUNCTION_NOT_FOUND = 13
GPU_IS_LOST = 15
UNKNOWN = 999

# A reading that fails with one of these is n/a for that one value; the device itself is fine.
UNAVAILABLE_READING = frozenset({NOT_SUPPORTED, NO_PERMISSION, FUNCTION_NOT_FOUND})


class NvmlError(Exception):
    """An NVML call failed. `code` is NVML's return code; the message is NVML's own text."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def reading_unavailable(self) -> bool:
        """True when only this reading is missing (old driver, unsupported board, no permission)."""
        return self.code in UNAVAILABLE_READING

    def reason(self) -> str:
        """One line for the GPU panel."""
        if self.code == LIBRARY_NOT_FOUND:
            return "NVML library not found (no NVIDIA driver installed)"
        if self.code == DRIVER_NOT_LOADED:
            return "NVIDIA driver not loaded"
        if self.code == GPU_IS_LOST:
            return "GPU is lost (fell off the bus or crashed); retrying"
        return f"NVML error: {self.message}"


class Nvml(Protocol):
    """The NVML calls the sampler makes. Handles are opaque."""

    def init(self) -> None: ...
    def shutdown(self) -> None: ...
    def device_count(self) -> int: ...
    def handle(self, index: int) -> Any: ...
    def name(self, handle: Any) -> str: ...
    def memory(self, handle: Any) -> tuple[int, int]:
        """(used, total) bytes."""
        ...

    def utilization(self, handle: Any) -> tuple[int, int]:
        """(gpu, memory) percent over the driver's last sample period."""
        ...

    def temperature(self, handle: Any) -> int: ...
    def power_usage_mw(self, handle: Any) -> int: ...
    def power_limit_mw(self, handle: Any) -> int: ...
    def processes(self, handle: Any) -> list[tuple[int, int | None]]:
        """(pid, used bytes or None) for compute and graphics processes on the device."""
        ...


class PynvmlAdapter:
    """The real thing. `import pynvml` happens in init(), on the sampler's thread, never at startup."""

    def __init__(self, library: Any = None) -> None:
        """`library`: pynvml or a stand-in with its names (tests); None: init() imports pynvml."""
        self._library = library
        self._nvml: Any = None
        self._memory_v2 = True  # until the driver says otherwise

    def _call(self, fn: str, *args: Any) -> Any:
        nvml = self._nvml
        if nvml is None:
            raise NvmlError(UNINITIALIZED, "NVML is not initialised")
        try:
            return getattr(nvml, fn)(*args)
        except nvml.NVMLError as exc:
            raise NvmlError(int(getattr(exc, "value", UNKNOWN)), str(exc)) from None
        except AttributeError:  # a binding older than the function
            raise NvmlError(FUNCTION_NOT_FOUND, f"{fn} is not in this pynvml") from None

    def init(self) -> None:
        if self._library is not None:
            self._nvml = self._library
        else:
            try:
                import pynvml
            except ImportError as exc:
                raise NvmlError(LIBRARY_NOT_FOUND, f"nvidia-ml-py is not installed ({exc})") from None
            self._nvml = pynvml
        self._call("nvmlInit")

    def shutdown(self) -> None:
        if self._nvml is not None:
            # Shutting down a lost GPU's library may fail; nothing to do about it.
            with contextlib.suppress(NvmlError):
                self._call("nvmlShutdown")

    def device_count(self) -> int:
        return int(self._call("nvmlDeviceGetCount"))

    def handle(self, index: int) -> Any:
        return self._call("nvmlDeviceGetHandleByIndex", index)

    def name(self, handle: Any) -> str:
        name = self._call("nvmlDeviceGetName", handle)
        return name.decode() if isinstance(name, bytes) else str(name)  # old bindings return bytes

    def memory(self, handle: Any) -> tuple[int, int]:
        # v2 reports memory the driver reserves apart from "used", as nvidia-smi (R510+) does; v1's
        # used is total - free, reserved included, so it would read a few hundred MiB above nvidia-smi.
        version = getattr(self._nvml, "nvmlMemory_v2", None)
        if self._memory_v2 and version is not None:
            try:
                info = self._call("nvmlDeviceGetMemoryInfo", handle, version)
                return int(info.used), int(info.total)
            except NvmlError as exc:
                if exc.code == GPU_IS_LOST:
                    raise
                self._memory_v2 = False  # an older driver: v1 from now on
        info = self._call("nvmlDeviceGetMemoryInfo", handle)
        return int(info.used), int(info.total)

    def utilization(self, handle: Any) -> tuple[int, int]:
        rates = self._call("nvmlDeviceGetUtilizationRates", handle)
        return int(rates.gpu), int(rates.memory)

    def temperature(self, handle: Any) -> int:
        return int(self._call("nvmlDeviceGetTemperature", handle, 0))  # 0 = NVML_TEMPERATURE_GPU

    def power_usage_mw(self, handle: Any) -> int:
        return int(self._call("nvmlDeviceGetPowerUsage", handle))

    def power_limit_mw(self, handle: Any) -> int:
        return int(self._call("nvmlDeviceGetEnforcedPowerLimit", handle))

    def processes(self, handle: Any) -> list[tuple[int, int | None]]:
        found: dict[int, int | None] = {}
        for fn in ("nvmlDeviceGetComputeRunningProcesses", "nvmlDeviceGetGraphicsRunningProcesses"):
            for proc in self._call(fn, handle):
                used = proc.usedGpuMemory
                # NVML reports "not available" as a huge sentinel; pynvml turns it into None.
                found[int(proc.pid)] = None if used is None or used >= 2**63 else int(used)
        return list(found.items())
