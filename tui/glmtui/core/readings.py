"""The live monitor's readings: the GPUs and who holds their memory, this machine's CPU and memory,
the Ollama server's loaded models (`/api/ps`), and how often each is read (no Textual imports).

Plain frozen dataclasses: the samplers in services/ fill them, the monitor's panels and the fit and
placement checks in core/ read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class GpuProcess:
    """A process holding memory on a GPU."""

    pid: int
    name: str
    used_bytes: int | None  # None: the driver does not report it (e.g. under some containers)
    is_ollama: bool = False
    model_blob: str = ""  # an Ollama runner's weights blob (sha256 hex, from its `--model` path); "" unknown

    @property
    def anonymous(self) -> bool:
        """True when the pid could not be named (gone, not ours to see, or another pid namespace)."""
        return self.name == f"pid {self.pid}"


@dataclass(frozen=True, slots=True)
class GpuReading:
    """One GPU at one moment. A None reading is n/a: this driver or board does not report it."""

    index: int
    name: str
    memory_used: int | None = None
    memory_total: int | None = None
    util_gpu: int | None = None
    util_memory: int | None = None
    temperature_c: int | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    processes: tuple[GpuProcess, ...] | None = None  # None: not read (yet) or not supported
    memory_history: tuple[float, ...] = ()  # VRAM used %, one point per memory reading, last minute
    util_history: tuple[float, ...] = ()  # GPU utilisation %, same cadence
    error: str | None = None  # this device failed (e.g. lost); the rest of the reading is stale or None
    stale_s: int | None = (
        None  # with an error: whole seconds since the readings shown were read (None: never)
    )

    @property
    def memory_percent(self) -> float | None:
        if self.memory_used is None or not self.memory_total:
            return None
        return 100.0 * self.memory_used / self.memory_total


@dataclass(frozen=True, slots=True)
class OllamaProcessReading:
    """The local Ollama server process (and its runners) as psutil sees them."""

    pid: int
    rss_bytes: int
    cpu_percent: float  # of one core, like top


@dataclass(frozen=True, slots=True)
class SystemReading:
    """This machine's CPU, memory and load."""

    cpu_percent: float
    cpu_count: int
    ram_used: int
    ram_total: int
    swap_used: int
    swap_total: int
    load: tuple[float, float, float] | None  # None where the OS has no load average
    ollama: OllamaProcessReading | None = None  # None: not running here, or the host is remote


@dataclass(frozen=True, slots=True)
class GpuSnapshot:
    """Every GPU on this machine at one moment, or why there are none."""

    gpus: tuple[GpuReading, ...] = ()
    status: str | None = None  # one line saying why there are no GPU readings at all
    hostname: str = ""  # this machine, named when Ollama runs on another


@dataclass(frozen=True)
class MonitorIntervals:
    """Seconds between readings of each kind (the config file's `[monitor]` table).

    Here rather than in config: the sampler in services/ takes it, and services never import config.
    """

    gpu_s: float = 1.0  # memory and utilisation; never below 0.5 (NVML's driver lock)
    gpu_slow_s: float = 5.0  # temperature and power
    processes_s: float = 5.0  # who holds VRAM; never below 5
    system_s: float = 1.0  # CPU, RAM, swap, load, the Ollama process
    ollama_s: float = 2.0  # /api/ps (also right after each reply)
    engine_s: float = 3.0  # an OpenAI-compatible engine's /metrics (≤ 0.3 % of a core at 3 s)

    @property
    def tick_s(self) -> float:
        """How often the monitor loop wakes: the fastest cadence."""
        return max(0.5, min(self.gpu_s, self.system_s))


@dataclass(frozen=True, slots=True)
class MonitorSample:
    """Everything the sampler read in one tick (the Ollama panel has its own snapshot).

    GPU and system parts are separate values so each panel rebuilds only when its own part changed.
    """

    gpu: GpuSnapshot = field(default_factory=GpuSnapshot)
    system: SystemReading | None = None


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A model resident in memory, as `/api/ps` reports it."""

    name: str
    size: int
    size_vram: int
    context_length: int | None = None
    expires_at: float | None = None  # epoch seconds; None: never expires
    digest: str = ""  # the manifest digest `/api/ps` gives (as `/api/tags` shows it)
    # The weights' blob (sha256 hex), from `/api/show`'s modelfile: not in `/api/ps`; the monitor feed
    # adds it for a local server, so a runner process (whose command line names the blob) maps to it.
    blob: str = ""

    @property
    def processor(self) -> str:
        """The CPU/GPU split exactly as `ollama ps` prints it (cmd/cmd.go, ListRunningHandler)."""
        if self.size_vram == 0:
            return "100% CPU"
        if self.size_vram == self.size:
            return "100% GPU"
        if self.size_vram > self.size or self.size == 0:
            return "Unknown"
        # Go's math.Round rounds halves away from zero; Python's round() would round them to even.
        cpu = int((self.size - self.size_vram) / self.size * 100 + 0.5)
        return f"{cpu}%/{100 - cpu}% CPU/GPU"


@dataclass(frozen=True, slots=True)
class OllamaSnapshot:
    """What `/api/ps` said most recently, or why it could not be asked."""

    online: bool
    models: tuple[LoadedModel, ...] = ()
    error: str | None = None
    not_ollama: bool = False  # something answered, but not Ollama (not "offline": error names it)
