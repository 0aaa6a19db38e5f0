"""Will a model fit in VRAM? What Ollama allocates for it, against this machine's GPUs.

A load needs, as Ollama counts it (and as `/api/ps` reports it as `size`):

- the weights: the model blob's size (the GGUF tensors, loaded as they are);
- the KV cache at the context it is loaded with (`core/kv.py`: per architecture and cache type);
- the compute graph: at least the output buffers, `4 × batch × (embedding + vocab)` bytes, the term
  every architecture in Ollama's `GraphSize` (fs/ggml/ggml.go) takes its maximum with. Without flash
  attention the attention scores need `4 × batch × context × (1 + heads)` more (the same function's
  llama/qwen2/gemma cases); gpt-oss with flash attention is `(4 × parallel + context/1024 + 110)` MiB.

Each GPU also keeps 457 MiB for the driver's context (ml/device.go `MinimumMemory`) plus
`OLLAMA_GPU_OVERHEAD`; the scheduler places layers in what is left (server/sched.go). A model that does
not fit there is split by layers, the rest running from system RAM, as `ollama ps` shows it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from glmtui.core.kv import DEFAULT_BATCH, LLAMA_SERVER_VERSION, CacheType, KvShape, kv_shape
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import MonitorSample
from glmtui.core.units import MIB, gib, gpu_names, percent

GPU_RESERVE = 457 * MIB  # per GPU: ml/device.go MinimumMemory (CUDA, ROCm)
DEFAULT_VOCAB = 152_064  # when model_info does not say (non-verbose /api/show sends no token list)
CONTEXT_STEP = 256  # the largest fitting context is a multiple of this (llama.cpp pads cells to 256)
# Architectures Ollama runs with flash attention on by default (fs/ggml/ggml.go `FlashAttention`).
FLASH_ARCHS = frozenset(
    {
        "bert", "gemma3", "gemma4", "glm4moelite", "glmocr", "gptoss", "gpt-oss", "lfm2", "lfm2moe",
        "mistral3", "nemotron_h", "nemotron_h_moe", "nemotron_h_omni", "olmo3", "qwen3", "qwen3moe",
        "qwen35", "qwen35moe", "qwen3next", "qwen3vl", "qwen3vlmoe",
    }
)  # fmt: skip

# Architectures the scheduler always loads with one slot, whatever OLLAMA_NUM_PARALLEL says
# (server/sched.go load(): "Some architectures are not safe with num_parallel > 1").
SINGLE_SLOT_ARCHS = frozenset(
    {
        "mllama", "qwen3vl", "qwen3vlmoe", "qwen35", "qwen35moe", "qwen3next", "lfm2", "lfm2moe",
        "nemotron_h", "nemotron_h_moe", "nemotron_h_omni",
    }
)  # fmt: skip

FitKind = Literal["fits", "partial", "wont", "unknown"]


def flash_attention(arch: str, settings: ServerSettings) -> bool:
    """Whether the server runs this model with flash attention (which a quantised cache needs)."""
    if settings.flash_attention is not None:
        return settings.flash_attention
    version = settings.parsed_version
    if version is None or version >= LLAMA_SERVER_VERSION:
        return True  # llama-server's `-fa auto` turns it on wherever the backend supports it
    return arch in FLASH_ARCHS


@dataclass(frozen=True, slots=True)
class Need:
    """What one model needs at one context, part by part."""

    weights: int
    kv: int | None  # None: the cache shape is unknown
    graph: int
    context: int  # the context counted (after the model's cap)
    cache_type: CacheType
    cache_type_known: bool  # False: the server's setting could not be read, f16 assumed
    shape: KvShape | None = None

    @property
    def total(self) -> int:
        return self.weights + (self.kv or 0) + self.graph

    def cache_label(self) -> str:
        return self.cache_type if self.cache_type_known else f"{self.cache_type} assumed"


def graph_bytes(
    model_info: Mapping[str, object] | None, context: int, *, flash: bool, parallel: int = 1
) -> int:
    """Ollama's compute-graph estimate at this context (see the module docstring)."""
    info = model_info or {}
    arch = info.get("general.architecture")
    arch = arch if isinstance(arch, str) else ""

    def number(key: str, default: int) -> int:
        value = info.get(f"{arch}.{key}")
        if isinstance(value, list):
            value = max((v for v in value if isinstance(v, int)), default=None)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default

    embedding = number("embedding_length", 4096)
    vocab = number("vocab_size", DEFAULT_VOCAB)
    tokens = info.get("tokenizer.ggml.tokens")
    if isinstance(tokens, list) and tokens:
        vocab = len(tokens)
    batch = DEFAULT_BATCH
    output = 4 * batch * (embedding + vocab)
    if flash:
        if arch in ("gptoss", "gpt-oss"):
            return max(output, (4 * parallel + (context * parallel >> 10) + 110) * MIB)
        return output
    heads = number("attention.head_count", 32)
    return max(output, 4 * batch * (1 + 2 * embedding + context * parallel * (1 + heads)))


def need_for(
    weights: int,
    model_info: Mapping[str, object] | None,
    fallback: KvShape | None,
    context: int,
    max_context: int | None,
    settings: ServerSettings | None = None,
) -> Need:
    """Weights + KV cache + graph at `context` (capped at the model's maximum).

    The cache shape is model_info's (`/api/show`), else the fallback (the catalogue's).
    """
    settings = settings or ServerSettings()
    shape = (kv_shape(model_info) if model_info else None) or fallback
    counted = min(context, max_context) if max_context else context
    arch = shape.arch if shape else ""
    if not arch and model_info and isinstance(model_info.get("general.architecture"), str):
        arch = str(model_info["general.architecture"])
    flash = flash_attention(arch, settings)
    # A quantised cache needs flash attention; without it the server falls back to f16.
    cache_type: CacheType = settings.cache_type if settings.cache_type and flash else "f16"
    parallel = 1 if arch in SINGLE_SLOT_ARCHS else max(1, settings.num_parallel)
    kv = (
        shape.cache_bytes(counted, cache_type, server=settings.parsed_version, parallel=parallel)
        if shape
        else None
    )
    graph = graph_bytes(model_info, counted, flash=flash, parallel=parallel)
    return Need(weights, kv, graph, counted, cache_type, settings.cache_type is not None, shape)


@dataclass(frozen=True, slots=True)
class Machine:
    """This machine's GPUs and free RAM, as the fit needs them."""

    vram_total: int | None
    vram_free: int | None
    ram_free: int | None
    label: str  # e.g. "1× RTX 4090, 24.0 GiB (23.1 free)" or why there is no GPU information
    gpu_totals: tuple[int, ...] = ()  # per GPU, for the per-GPU reserve
    gpu_others: tuple[int, ...] = ()  # per GPU, VRAM held by programs other than Ollama (not reclaimable)

    def usable(self, settings: ServerSettings | None = None) -> int | None:
        """VRAM Ollama can place layers in: each GPU less its reserve, OLLAMA_GPU_OVERHEAD and what other
        programs hold (the scheduler places layers in free memory; Ollama's own models it can unload)."""
        if not self.vram_total:
            return None
        overhead = GPU_RESERVE + (settings.gpu_overhead if settings else 0)
        totals = self.gpu_totals or (self.vram_total,)
        others = self.gpu_others or (0,) * len(totals)
        return sum(max(0, total - overhead - held) for total, held in zip(totals, others, strict=False))


@dataclass(frozen=True, slots=True)
class Fit:
    """The verdict and the figures behind it."""

    kind: FitKind
    needed: int = 0  # bytes: weights + KV cache + graph
    vram_total: int = 0
    vram_free: int = 0
    cpu_fraction: float = 0.0  # share that would run from system RAM when partial
    ram_free: int | None = None
    usable: int = 0  # VRAM left for models after the per-GPU reserve

    def describe(self) -> str:
        if self.kind == "unknown":
            return "no GPU information"
        if self.kind == "fits":
            text = f"fits ({gib(self.needed)} of {gib(self.vram_total, 0)} GiB)"
            if self.needed > self.vram_free:
                text += f"; {gib(self.vram_free)} GiB free now, so other models would unload"
            return text
        if self.kind == "partial":
            return f"partial offload ≈ {percent(self.cpu_fraction)} on CPU — expect it slower"
        ram = f" + {gib(self.ram_free, 0)} GiB free RAM" if self.ram_free is not None else ""
        return f"won't fit (needs {gib(self.needed)} GiB; {gib(self.vram_total, 0)} GiB VRAM{ram})"

    def processor(self) -> str:
        """The split as `ollama ps` would print it (cmd/cmd.go): '100% GPU' or '27%/73% CPU/GPU'."""
        if self.kind == "unknown":
            return "unknown"
        if self.kind == "fits":
            return "100% GPU"
        cpu = min(100, int(self.cpu_fraction * 100 + 0.5))
        return "100% CPU" if cpu >= 100 else f"{cpu}%/{100 - cpu}% CPU/GPU"


def estimate(need: int, machine: Machine, settings: ServerSettings | None = None) -> Fit:
    """`need` bytes against the usable VRAM (all GPUs); beyond it, how much would spill to the CPU.

    `won't fit` when even VRAM plus free system RAM cannot hold it.
    """
    usable = machine.usable(settings)
    if usable is None or not machine.vram_total:
        return Fit("unknown")
    total = machine.vram_total
    free = machine.vram_free if machine.vram_free is not None else total
    if need <= usable:
        return Fit("fits", need, total, free, usable=usable)
    ram = machine.ram_free
    if ram is not None and need > usable + ram:
        return Fit("wont", need, total, free, ram_free=ram, usable=usable)
    return Fit("partial", need, total, free, (need - usable) / need, ram, usable)


def fit_need(machine: Machine, need: Need, settings: ServerSettings | None = None, ratio: float = 1.0) -> Fit:
    """The verdict on `need`, corrected by a measured ratio (`corrected`; 1.0: none)."""
    return estimate(corrected(need.total, ratio), machine, settings)


def largest_context(
    machine: Machine,
    weights: int,
    model_info: Mapping[str, object] | None,
    fallback: KvShape | None,
    max_context: int | None,
    settings: ServerSettings | None = None,
    *,
    ratio: float = 1.0,
) -> int | None:
    """The largest context (a multiple of 256, up to the model's maximum) that fits wholly on the
    GPUs, or None when not even 256 tokens do or there is no GPU information. `ratio` corrects the
    estimate the way a measured load did (see `corrected`)."""
    usable = machine.usable(settings)
    if usable is None:
        return None

    def fits(context: int) -> bool:
        need = need_for(weights, model_info, fallback, context, None, settings)
        return need.total * ratio <= usable

    top = max_context or 1 << 20
    return top if fits(top) else search_context(fits, top)


def search_context(fits: Callable[[int], bool], maximum: int, step: int = CONTEXT_STEP) -> int | None:
    """The largest multiple of `step` up to `maximum` at which `fits(context)` holds, assuming that a
    larger context never needs less memory (a binary search); None when not even `step` fits."""
    high = maximum // step  # the most steps to try
    if high == 0 or not fits(step):
        return None
    low = 1  # fits(low * step) is known to hold
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle * step):
            low = middle
        else:
            high = middle - 1
    return low * step


def corrected(total: int, ratio: float | None) -> int:
    """An estimate corrected by the measured/estimated ratio of an earlier load of the same model; a
    ratio that is not a sensible positive number (a damaged row) leaves it as it is."""
    if ratio is None or not math.isfinite(ratio) or ratio <= 0:
        return total
    return round(total * ratio)


def machine_from(sample: MonitorSample | None) -> Machine:
    if sample is None:
        return Machine(None, None, None, "no GPU information yet")
    system = sample.system
    ram_free = system.ram_total - system.ram_used if system is not None else None
    # A GPU that stopped answering (lost) keeps stale figures: fitting a model on them would mislead.
    failed = [g for g in sample.gpu.gpus if g.error]
    gpus = [g for g in sample.gpu.gpus if g.memory_total and not g.error]
    if not gpus:
        why = f"GPU not answering: {failed[0].error}" if failed else sample.gpu.status or "no NVIDIA GPU"
        return Machine(None, None, ram_free, why)
    totals = tuple(g.memory_total or 0 for g in gpus)
    total = sum(totals)
    free = sum((g.memory_total or 0) - (g.memory_used or 0) for g in gpus)
    label = f"{gpu_names([g.name for g in gpus])}, {gib(total)} GiB ({gib(free)} free)"
    others = tuple(
        sum(p.used_bytes or 0 for p in g.processes or () if not p.is_ollama) for g in gpus
    )  # processes not read (None): nothing known to subtract
    if any(others):
        label += f"; {gib(sum(others))} GiB held by other programs"
    if failed:
        label += f"; {len(failed)} more not answering"
    return Machine(total, free, ram_free, label, totals, others)
