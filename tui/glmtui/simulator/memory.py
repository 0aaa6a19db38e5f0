"""What the simulated Ollama allocates when it loads a model, and the context it loads it with.

Written from the published shapes (the GGUF ``model_info`` a model's spec reports, ``verbose`` form) and
from Ollama's own source — deliberately not from glmtui's fit code, so that tests comparing glmtui's
estimate with ``/api/ps`` compare two independent readings of the same facts. Rules and their sources:

* **Weights**: the weights blob, all of it (Ollama maps the whole GGUF).
* **KV cache**, per layer, ``tokens x elements x bytes``; bytes per element from ``OLLAMA_KV_CACHE_TYPE``
  as ``fs/ggml/ggml.go`` ``kvCacheBytesPerElement`` has them (f16 2, q8_0 1, q4_0 0.5). Token counts as
  ``kvcache/causal.go`` ``Causal.Init`` sizes the cache: ``roundUp(numParallel x num_ctx, CachePadding)``
  with CachePadding 256 (``ml/backend/ggml/ggml.go`` CacheConfig).

  - ordinary/GQA layers: ``head_count_kv x (key_length + value_length)`` elements per token;
  - MLA (glm4moelite since PR #13810/#13870, deepseek2, mistral4 through llama.cpp): the cache holds the
    compressed latent only, ``kv_lora_rank + rope.dimension_count`` elements per token (the same number
    as ``key_length_mla``), whatever ``head_count_kv`` says;
  - sliding-window layers (``Causal.Init``: ``numParallel x swaMemorySize + batch`` tokens when that is
    under the context): gptoss even layers keep 4096 tokens (``NewSWAMemCache(4096, ...)``), gemma3 keeps
    ``attention.sliding_window`` on five layers of six (every 6th is global, ``GraphSize``);
  - recurrent layers of hybrids (``head_count_kv`` 0 in the per-layer array: qwen35 Gated DeltaNet,
    nemotron_h Mamba2): a fixed f32 state per sequence, ``(conv_kernel - 1) x (inner + 2 x groups x
    state) + state x inner`` elements (``GraphSize``'s recurrent default; ``kvcache/recurrent.go`` keeps
    states in f32). Its lazily allocated checkpoints are not part of the load-time figure.
* **Compute graph**: the output/logits buffer ``4 x batch x (embedding + vocab)`` bytes (the floor of every
  ``fullOffload`` case in ``GraphSize``); for gptoss with flash attention ``(4 x numParallel +
  ctx >> 10 + 110) MiB`` (``GraphSize``'s gptoss case).
* **Placement**: each GPU keeps ``457 MiB`` free (``ml/device.go`` MinimumMemory) plus
  ``OLLAMA_GPU_OVERHEAD``; a model that does not fit goes to the GPU a whole layer at a time (the graph
  stays on the GPU), the rest on the CPU, which is what ``size_vram`` < ``size`` in ``/api/ps`` shows.
* **Default context** (``server/routes.go`` since 0334ffa62, first in v0.15.5): total VRAM minus
  ``OLLAMA_GPU_OVERHEAD`` ≥ 47 GiB → 262,144; ≥ 23 GiB → 32,768; else 4,096. ``OLLAMA_CONTEXT_LENGTH``
  replaces that default, a Modelfile ``num_ctx`` replaces both, request options replace all; the result
  is capped at the model's trained context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIB = 1024**2
GIB = 1024**3
BATCH = 512  # Ollama's default num_batch
NUM_PARALLEL = 1  # OLLAMA_NUM_PARALLEL's default
CACHE_PADDING = 256  # ml/backend/ggml/ggml.go CacheConfig.CachePadding
GPU_MINIMUM_MEMORY = 457 * MIB  # ml/device.go MinimumMemory: kept free on every GPU
GPTOSS_SWA_MEMORY = 4096  # model/models/gptoss: NewSWAMemCache(window, 4096, ...)
GEMMA3_GLOBAL_EVERY = 6  # GraphSize: gemma3GlobalCacheCount
KV_CACHE_TYPES: dict[str, float] = {"f16": 2.0, "q8_0": 1.0, "q4_0": 0.5}  # kvCacheBytesPerElement
F32 = 4
MLA_ARCHES = frozenset({"glm4moelite", "deepseek2", "mistral4"})


@dataclass(frozen=True)
class Allocation:
    """Bytes a loaded model holds: weights, KV cache (per layer) and compute graph."""

    weights: int
    kv_layers: tuple[int, ...]
    graph: int

    @property
    def kv(self) -> int:
        return sum(self.kv_layers)

    @property
    def total(self) -> int:
        return self.weights + self.kv + self.graph

    def on_gpu(self, free: int) -> int:
        """Bytes placed on a GPU with ``free`` usable bytes: all, or the graph plus whole layers."""
        if self.total <= free:
            return self.total
        per_layer_weights = self.weights // max(1, len(self.kv_layers))
        placed = self.graph
        if placed > free:
            return 0
        for kv in self.kv_layers:
            layer = per_layer_weights + kv
            if placed + layer > free:
                break
            placed += layer
        return placed


def _round_up(n: int, pad: int) -> int:
    return -(-n // pad) * pad


def _int(info: Mapping[str, object], key: str, default: int = 0) -> int:
    value = info.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def kv_layers(info: Mapping[str, object], num_ctx: int, cache_type: str = "f16") -> tuple[int, ...]:
    """Per-layer KV/recurrent bytes for ``num_ctx`` tokens, from verbose GGUF model_info."""
    arch = str(info["general.architecture"])
    per = KV_CACHE_TYPES[cache_type]
    blocks = _int(info, f"{arch}.block_count")
    cells = _round_up(NUM_PARALLEL * num_ctx, CACHE_PADDING)
    heads_kv_raw = info.get(f"{arch}.attention.head_count_kv")
    heads_kv = (
        list(heads_kv_raw)
        if isinstance(heads_kv_raw, list)
        else [heads_kv_raw if isinstance(heads_kv_raw, int) else 0] * blocks
    )
    key, value = _int(info, f"{arch}.attention.key_length"), _int(info, f"{arch}.attention.value_length")
    if arch in MLA_ARCHES and f"{arch}.attention.kv_lora_rank" in info:
        latent = _int(info, f"{arch}.attention.kv_lora_rank") + _int(info, f"{arch}.rope.dimension_count")
        return tuple(int(cells * latent * per) for _ in range(blocks))
    window = _int(info, f"{arch}.attention.sliding_window")
    out: list[int] = []
    for i, kv_heads in enumerate(heads_kv):
        if kv_heads == 0:  # recurrent layer: fixed f32 state per sequence
            conv = _int(info, f"{arch}.ssm.conv_kernel")
            inner, state = _int(info, f"{arch}.ssm.inner_size"), _int(info, f"{arch}.ssm.state_size")
            groups = _int(info, f"{arch}.ssm.group_count")
            conv_state = (conv - 1) * (inner + 2 * groups * state) if conv > 0 else 0
            out.append(NUM_PARALLEL * (conv_state + state * inner) * F32)
            continue
        tokens = cells
        if arch == "gptoss" and i % 2 == 0 and num_ctx > GPTOSS_SWA_MEMORY:
            tokens = _round_up(NUM_PARALLEL * GPTOSS_SWA_MEMORY + BATCH, CACHE_PADDING)
        elif arch == "gemma3" and window and (i + 1) % GEMMA3_GLOBAL_EVERY and window < num_ctx:
            tokens = _round_up(NUM_PARALLEL * window + BATCH, CACHE_PADDING)
        out.append(int(tokens * kv_heads * (key + value) * per))
    return tuple(out)


def graph_bytes(info: Mapping[str, object], num_ctx: int) -> int:
    """Compute-graph reservation: the logits/output buffer, or gptoss's flash-attention figure."""
    arch = str(info["general.architecture"])
    if arch == "gptoss":
        return (4 * NUM_PARALLEL + ((NUM_PARALLEL * num_ctx) >> 10) + 110) * MIB
    return 4 * BATCH * (_int(info, f"{arch}.embedding_length") + _int(info, f"{arch}.vocab_size"))


def allocation(
    info: Mapping[str, object], weights_bytes: int, num_ctx: int, cache_type: str = "f16"
) -> Allocation:
    """What Ollama holds for a model loaded at ``num_ctx`` tokens."""
    return Allocation(weights_bytes, kv_layers(info, num_ctx, cache_type), graph_bytes(info, num_ctx))


def default_num_ctx(total_vram: int, gpu_overhead: int = 0) -> int:
    """Ollama's tiered default context (v0.15.5+): by total VRAM less OLLAMA_GPU_OVERHEAD."""
    usable = total_vram - gpu_overhead
    if usable >= 47 * GIB:
        return 262_144
    if usable >= 23 * GIB:
        return 32_768
    return 4096


def resolve_num_ctx(
    *,
    request: int | None,
    modelfile: int | None,
    env_context_length: int | None,
    total_vram: int,
    gpu_overhead: int,
    trained: int,
) -> int:
    """The context a load uses: request options, else Modelfile, else OLLAMA_CONTEXT_LENGTH, else the tier."""
    for choice in (request, modelfile, env_context_length):
        if choice is not None and choice > 0:
            return min(choice, trained)
    return min(default_num_ctx(total_vram, gpu_overhead), trained)


def version_tuple(version: str) -> tuple[int, ...]:
    """``"0.15.5"`` → ``(0, 15, 5)``, for comparing versions."""
    return tuple(int(part) for part in version.split("-")[0].split("."))
