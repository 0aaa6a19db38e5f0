"""Will a model fit in VRAM? Weights plus an f16 KV cache at the chosen context, against this machine's GPUs.

The KV cache holds a key and a value vector per layer, per KV head, per token of context:
    layers × context × kv_heads × (key_length + value_length) × 2 bytes (f16)
with the lengths from `/api/show`'s model_info (`<arch>.attention.key_length`/`value_length`), or
`embedding_length / head_count` for both where a model does not state them. Ollama also needs some
memory for its compute graph; that is not counted, so a `fits` within a few hundred MiB of the total
is optimistic, and the text says how close it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from glmtui.core.state import MonitorSample
from glmtui.core.units import gib, gpu_names, percent

F16_BYTES = 2
DEFAULT_CONTEXT = 4096  # Ollama's default num_ctx: what a fit assumes unless one is set

FitKind = Literal["fits", "partial", "wont", "unknown"]


@dataclass(frozen=True, slots=True)
class KvShape:
    """What the KV-cache size depends on, from model_info."""

    layers: int
    kv_heads: int
    key_length: int
    value_length: int

    def cache_bytes(self, context: int) -> int:
        return self.layers * context * self.kv_heads * (self.key_length + self.value_length) * F16_BYTES


def kv_shape(model_info: Mapping[str, object]) -> KvShape | None:
    """The KV-cache shape from `/api/show` model_info, or None if it lacks what is needed."""
    arch = model_info.get("general.architecture")
    if not isinstance(arch, str):
        return None

    def number(key: str) -> int | None:
        value = model_info.get(f"{arch}.{key}")
        if isinstance(value, list):  # per-layer values (some architectures): the largest bounds the cache
            value = max((v for v in value if isinstance(v, int)), default=None)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    layers, heads = number("block_count"), number("attention.head_count")
    kv_heads = number("attention.head_count_kv") or heads
    key, value = number("attention.key_length"), number("attention.value_length")
    if key is None or value is None:
        embedding = number("embedding_length")
        if embedding is None or heads is None:
            return None
        key = key or embedding // heads
        value = value or embedding // heads
    if layers is None or kv_heads is None:
        return None
    return KvShape(layers, kv_heads, key, value)


def kv_for(
    model_info: Mapping[str, object] | None, fallback: KvShape | None, context: int, max_context: int | None
) -> tuple[KvShape | None, int]:
    """The KV shape to count (model_info's, else the fallback: the catalogue's) and the context,
    capped at the model's own maximum."""
    shape = (kv_shape(model_info) if model_info else None) or fallback
    return shape, min(context, max_context) if max_context else context


@dataclass(frozen=True, slots=True)
class Fit:
    """The verdict and the figures behind it."""

    kind: FitKind
    needed: int = 0  # bytes: weights + KV cache
    vram_total: int = 0
    vram_free: int = 0
    cpu_fraction: float = 0.0  # share that would run from system RAM when partial
    ram_free: int | None = None

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


def estimate(
    weights: int,
    shape: KvShape | None,
    context: int,
    *,
    vram_total: int | None,
    vram_free: int | None,
    ram_free: int | None = None,
) -> Fit:
    """Weights + KV cache against total VRAM (all GPUs); beyond it, how much would spill to the CPU.

    `won't fit` when even VRAM plus free system RAM cannot hold it. Without a KV shape only the
    weights are counted.
    """
    if not vram_total:
        return Fit("unknown")
    needed = weights + (shape.cache_bytes(context) if shape else 0)
    free = vram_free if vram_free is not None else vram_total
    if needed <= vram_total:
        return Fit("fits", needed, vram_total, free)
    if ram_free is not None and needed > vram_total + ram_free:
        return Fit("wont", needed, vram_total, free, ram_free=ram_free)
    return Fit("partial", needed, vram_total, free, (needed - vram_total) / needed, ram_free)


def vram_need(
    weights: int,
    model_info: Mapping[str, object] | None,
    fallback: KvShape | None,
    context: int,
    max_context: int | None,
) -> tuple[int, int | None, int]:
    """What a model needs at a context: (weights + KV-cache bytes, the KV-cache bytes or None when the
    shape is unknown, the context counted). The one rule the models and compare screens share."""
    shape, counted = kv_for(model_info, fallback, context, max_context)
    cache = shape.cache_bytes(counted) if shape else None
    return weights + (cache or 0), cache, counted


@dataclass(frozen=True, slots=True)
class Machine:
    """This machine's GPUs and free RAM, as the fit estimate needs them."""

    vram_total: int | None
    vram_free: int | None
    ram_free: int | None
    label: str  # e.g. "1× NVIDIA GeForce RTX 4090, 24.0 GiB" or why there is no GPU information


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
    total = sum(g.memory_total or 0 for g in gpus)
    free = sum((g.memory_total or 0) - (g.memory_used or 0) for g in gpus)
    label = f"{gpu_names([g.name for g in gpus])}, {gib(total)} GiB ({gib(free)} free)"
    if failed:
        label += f"; {len(failed)} more not answering"
    return Machine(total, free, ram_free, label)


def fit_on(
    machine: Machine,
    weights: int,
    model_info: Mapping[str, object] | None,
    fallback: KvShape | None,
    context: int,
    max_context: int | None,
) -> tuple[Fit, int | None, int]:
    """The verdict on this machine, the KV-cache bytes it counted (None: unknown) and the context."""
    shape, counted = kv_for(model_info, fallback, context, max_context)
    fit = estimate(
        weights,
        shape,
        counted,
        vram_total=machine.vram_total,
        vram_free=machine.vram_free,
        ram_free=machine.ram_free,
    )
    return fit, shape.cache_bytes(counted) if shape else None, counted
