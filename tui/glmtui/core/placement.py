"""Which GPU holds which loaded model: NVML's per-device process list matched to `/api/ps`.

Two ways, the sure one first:

* **By the runner's own model path** (Ollama on this machine). Ollama serves each loaded model from a
  runner child of `ollama serve`: `ollama runner --model <models>/blobs/sha256-<hex> …` (and, since
  mid-2026, `llama-server -m <blob path> …` for GGML models). The services read the runner's command
  line (psutil) into `GpuProcess.model_blob`; `/api/show`'s modelfile names the same blob
  (`FROM <models>/blobs/sha256-<hex>`) for the loaded model (`LoadedModel.blob`). Equal blobs: that
  runner holds that model, on every device NVML lists it on, with that device's bytes.
* **By size, as a guess** (Ollama elsewhere, in a container whose pids we cannot see, or a command
  line we may not read). A process's bytes over all its devices against each model's `size_vram`
  (see `size_matches` for the window and why). Only processes that may be Ollama's are considered
  (named `ollama…`/a known runner, or a pid we cannot name at all), and a pair is taken only when the
  process fits exactly one model *and* that model fits exactly one process: anything ambiguous stays
  unknown, never a confident wrong answer.

Pure: plain values in, a `Placement` out (no I/O, no Textual).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from glmtui.core.state import GpuReading, LoadedModel
from glmtui.core.units import GIB, short_gpu_name

# `<anything>/blobs/sha256-<64 hex>` (Ollama's store); `sha256:` is the digest spelling in manifests.
_BLOB = re.compile(r"blobs[/\\]sha256[-:]([0-9a-fA-F]{64})(?![0-9a-fA-F])")
_MODEL_FLAGS = ("--model", "-m")

# The size window (see `size_matches`).
LOW_FRACTION = 0.85
HIGH_FRACTION = 1.05
CONTEXT_ALLOWANCE = 1 * GIB  # per device the process is on


def blob_from_cmdline(args: Sequence[str]) -> str:
    """The weights blob (sha256 hex, lower case) a runner was started with; "" when it names none.

    `--model <path>`, `--model=<path>`, `-m <path>`: Ollama's own runner and llama-server spell it so.
    Only a path inside a `blobs/` store counts: a user's own llama-server on a GGUF file is not Ollama's.
    """
    for i, arg in enumerate(args):
        path = ""
        if arg in _MODEL_FLAGS and i + 1 < len(args):
            path = args[i + 1]
        elif arg.startswith("--model="):
            path = arg.partition("=")[2]
        match = _BLOB.search(path)
        if match:
            return match.group(1).lower()
    return ""


def blob_from_modelfile(modelfile: str) -> str:
    """The blob `/api/show`'s modelfile loads the weights from (its first `FROM` line); "" when none."""
    for line in modelfile.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word.upper() == "FROM":
            match = _BLOB.search(rest)
            return match.group(1).lower() if match else ""
    return ""


def size_matches(used_bytes: int, devices: int, size_vram: int) -> bool:
    """Whether a process holding `used_bytes` over `devices` GPUs may be a model of `size_vram` bytes.

    The window is asymmetric, on purpose:
    * above: NVML counts the process's CUDA context (driver state, kernels, cuBLAS workspace: a few
      hundred MiB per device, more on newer boards) that `size_vram` does not, so up to 1 GiB per
      device is allowed, plus 5 % for allocator rounding;
    * below: older servers report an *estimate* in `size_vram` whose compute-graph part is generous,
      so the process may hold up to 15 % less.
    A wide window costs nothing in wrong answers: two candidates inside it make the answer unknown.
    """
    if size_vram <= 0 or devices <= 0:
        return False
    low = size_vram * LOW_FRACTION
    high = size_vram * HIGH_FRACTION + devices * CONTEXT_ALLOWANCE
    return low <= used_bytes <= high


@dataclass(frozen=True, slots=True)
class Holding:
    """One loaded model's share of one GPU, held by one process."""

    gpu: int  # NVML device index
    gpu_name: str  # short, as the GPU panel writes it (`RTX 4090`)
    model: str  # the loaded model's name, as `/api/ps` gives it (untrusted text: never markup)
    used_bytes: int | None  # this process's bytes on this device (None: the driver does not say)
    pid: int
    sure: bool  # True: by the runner's model path; False: a guess from sizes


@dataclass(frozen=True, slots=True)
class Placement:
    """Every holding found; a process or model absent from it is unknown."""

    holdings: tuple[Holding, ...] = field(default=())

    def on_gpu(self, gpu: int) -> tuple[Holding, ...]:
        return tuple(h for h in self.holdings if h.gpu == gpu)

    def of_model(self, model: str) -> tuple[Holding, ...]:
        return tuple(h for h in self.holdings if h.model == model)

    def for_process(self, gpu: int, pid: int) -> Holding | None:
        return next((h for h in self.holdings if h.gpu == gpu and h.pid == pid), None)


@dataclass
class _Proc:
    """One pid over every device NVML lists it on."""

    pid: int
    blob: str
    candidate: bool  # may be Ollama's: a size guess may name it
    devices: dict[int, int | None] = field(default_factory=dict)  # device index → bytes there
    names: dict[int, str] = field(default_factory=dict)  # device index → its short name

    @property
    def total(self) -> int | None:
        values = list(self.devices.values())
        return None if any(v is None for v in values) else sum(v or 0 for v in values)


def _may_be(proc: _Proc, model: LoadedModel) -> bool:
    # Two known blobs that differ rule the pair out (a runner of another server, another model);
    # an unknown one on either side leaves it to the sizes.
    return not (proc.blob and model.blob) or proc.blob == model.blob


def place(gpus: Sequence[GpuReading], models: Sequence[LoadedModel]) -> Placement:
    """Map the loaded models onto the GPUs' processes (see the module docstring for the rules)."""
    procs: dict[int, _Proc] = {}
    for gpu in gpus:
        if gpu.error or not gpu.processes:  # a failed device's process list is stale: who holds it now?
            continue
        for p in gpu.processes:
            proc = procs.setdefault(p.pid, _Proc(p.pid, p.model_blob, p.is_ollama or p.anonymous))
            proc.blob = proc.blob or p.model_blob
            proc.devices[gpu.index] = p.used_bytes
            proc.names[gpu.index] = short_gpu_name(gpu.name)
    on_gpu = [m for m in models if m.size_vram > 0]
    found: dict[int, tuple[str, bool]] = {}  # pid → (model, sure)

    # Sure: the runner's blob is exactly one loaded model's blob.
    for proc in procs.values():
        if not proc.blob:
            continue
        owners = [m for m in on_gpu if m.blob == proc.blob]
        if len(owners) == 1:
            found[proc.pid] = (owners[0].name, True)
    sure_models = {name for name, _ in found.values()}

    # A guess: one process and one model that only fit each other.
    left_models = [m for m in on_gpu if m.name not in sure_models]
    left_procs = [p for p in procs.values() if p.pid not in found and p.candidate and p.total is not None]
    fits = {
        p.pid: [
            m.name
            for m in left_models
            if _may_be(p, m) and size_matches(p.total or 0, len(p.devices), m.size_vram)
        ]
        for p in left_procs
    }
    for pid, names in fits.items():
        if len(names) != 1:
            continue
        rivals = [other for other, others in fits.items() if names[0] in others]
        if rivals == [pid]:
            found[pid] = (names[0], False)

    holdings = [
        Holding(index, proc.names[index], found[proc.pid][0], used, proc.pid, found[proc.pid][1])
        for proc in procs.values()
        if proc.pid in found
        for index, used in proc.devices.items()
    ]
    holdings.sort(key=lambda h: (h.gpu, -(h.used_bytes or -1)))
    return Placement(tuple(holdings))
