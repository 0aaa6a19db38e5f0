"""The KV cache the way the engine allocates it, per architecture, from `/api/show`'s model_info.

Ollama's rules, checked against its source (github.com/ollama/ollama):

- Ordinary and grouped-query attention: per layer and token, `head_count_kv × (key_length +
  value_length)` elements (fs/ggml/ggml.go `GraphSize`, the default case). Missing lengths fall back to
  `embedding_length / head_count`, as `EmbeddingHeadCountK` does.
- Multi-head latent attention (MLA: deepseek2, glm4moelite — GLM-4.7-Flash): the cache holds only the
  compressed latent, `kv_lora_rank + rope.dimension_count` elements per layer and token (576 for
  GLM-4.7-Flash), whatever `head_count_kv`/`key_length` say. The model_info of `glm-4.7-flash` keeps the
  uncompressed shape (20 KV heads × (256 + 256)), which is 9× too big: Ollama fixed the same mistake in
  its own estimate in January 2026 (PR #13810 / #13870 "add MLA absorption for glm4moelite", after issue
  #13789 "kv cache took too many memory on glm-4.7-flash"). `key_length_mla` is not read: Ollama's
  glm4moelite converter writes the latent there, its deepseek2 converter (llama.cpp's convention) the
  per-head decompressed key (qk_nope + rope).
- Sliding-window layers hold the window, not the context. gpt-oss alternates them (even layers);
  gemma3 has one global layer in six (`gemma3GlobalCacheCount = 6`). How many tokens a window layer
  keeps depends on the engine: Ollama's own engine (before 0.30) kept `4096 + batch` for gpt-oss
  (`NewSWAMemCache`, mirrored in `GraphSize`) and `window + batch` for gemma3; since 0.30 Ollama runs
  llama.cpp's `llama-server` (commit 9db4bdbad, "use llama-server exclusively for GGML models"), whose
  sliding-window cache holds `window + ubatch`, padded to 256 (llama-kv-cache-iswa.cpp).
- Recurrent layers (Mamba2, Gated DeltaNet in hybrids such as nemotron_h and qwen35) keep a fixed state
  in f32, independent of the context: `(conv_kernel − 1) × (inner + 2 × groups × state) + state × inner`
  elements (`GraphSize`'s recurrent case). A layer is recurrent when its per-layer `head_count_kv` is 0,
  or, with `full_attention_interval`, when it is not every n-th layer.
- Cache type: `f16` 2 bytes per element, `q8_0` 1, `q4_0` 0.5 (`kvCacheBytesPerElement`). A quantised
  cache needs flash attention; recurrent state stays f32.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

CacheType = Literal["f16", "q8_0", "q4_0", "f32", "bf16", "q5_0", "q5_1", "iq4_nl"]
OLLAMA_CACHE_TYPES: tuple[CacheType, ...] = ("f16", "q8_0", "q4_0")  # what Ollama's own engine took
CACHE_TYPES: tuple[CacheType, ...] = (*OLLAMA_CACHE_TYPES, "f32", "bf16", "q5_0", "q5_1", "iq4_nl")
# Ollama's kvCacheBytesPerElement for its three (q8_0 "1/2 of fp16", q4_0 "1/4"); since 0.30 the value
# goes to llama-server's --cache-type-k/-v, whose other types are counted at their ggml block sizes
# (q5_0: 22 bytes per 32 elements, q5_1: 24, iq4_nl: 18).
BYTES_PER_ELEMENT: dict[CacheType, float] = {
    "f16": 2.0,
    "q8_0": 1.0,
    "q4_0": 0.5,
    "f32": 4.0,
    "bf16": 2.0,
    "q5_0": 22 / 32,
    "q5_1": 24 / 32,
    "iq4_nl": 18 / 32,
}
RECURRENT_BYTES = 4  # f32, always (GraphSize: "recurrent always uses F32 in llama.cpp backend")
DEFAULT_BATCH = 512  # api.DefaultOptions NumBatch
LLAMA_SERVER_VERSION = (0, 30, 0)  # the first Ollama that runs GGUF models on llama-server
GPTOSS_SWA_MEMORY = 4096  # Ollama engine: gpt-oss window layers keep this many tokens (+ batch)
WINDOW_PAD = 256  # llama.cpp pads its cache sizes to 256 cells

Attention = Literal["gqa", "mla"]


@dataclass(frozen=True, slots=True)
class KvShape:
    """What the KV-cache size depends on: how many layers cache what, per token."""

    layers: int  # layers that cache every token of the context
    per_token: int  # elements per token in each of those layers
    attention: Attention = "gqa"
    window: int = 0  # sliding-window size in tokens (0: none)
    window_layers: int = 0  # layers that hold only the window
    window_per_token: int = 0  # elements per token in a window layer
    recurrent_layers: int = 0
    recurrent_elements: int = 0  # per recurrent layer, f32, fixed
    arch: str = ""

    @classmethod
    def gqa(cls, layers: int, kv_heads: int, key_length: int, value_length: int) -> KvShape:
        """An ordinary cache: every layer, `kv_heads × (key + value)` per token."""
        return cls(layers, kv_heads * (key_length + value_length))

    def window_tokens(self, context: int, *, server: tuple[int, ...] | None = None, parallel: int = 1) -> int:
        """Tokens a sliding-window layer holds at this context (never more than the context)."""
        if not self.window_layers:
            return 0
        if server is not None and server < LLAMA_SERVER_VERSION:
            if self.arch in ("gptoss", "gpt-oss"):
                held = GPTOSS_SWA_MEMORY * parallel + DEFAULT_BATCH
            else:
                held = self.window * parallel + DEFAULT_BATCH
        else:  # llama-server (and an unknown version: assume today's Ollama)
            held = -(-(self.window * parallel + DEFAULT_BATCH) // WINDOW_PAD) * WINDOW_PAD
        return min(held, context * parallel)

    def cache_bytes(
        self,
        context: int,
        cache_type: CacheType = "f16",
        *,
        server: tuple[int, ...] | None = None,
        parallel: int = 1,
    ) -> int:
        """Bytes the engine allocates for the cache at `context` tokens (per parallel slot)."""
        per = BYTES_PER_ELEMENT[cache_type]
        full = self.layers * context * parallel * self.per_token * per
        window = self.window_layers * self.window_tokens(context, server=server, parallel=parallel)
        window_bytes = window * self.window_per_token * per
        recurrent = self.recurrent_layers * self.recurrent_elements * RECURRENT_BYTES
        return int(full + window_bytes + recurrent)


def _number(info: Mapping[str, object], key: str) -> int | None:
    value = info.get(key)
    if isinstance(value, list):  # per-layer values: the largest bounds the cache
        value = max((v for v in value if isinstance(v, int) and not isinstance(v, bool)), default=None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _per_layer(info: Mapping[str, object], key: str, layers: int) -> list[int] | None:
    """A per-layer array, or a scalar repeated; None when absent."""
    value = info.get(key)
    if isinstance(value, list) and len(value) == layers:
        return [v if isinstance(v, int) and not isinstance(v, bool) else 0 for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return [value] * layers
    return None


def _sliding(arch: str, info: Mapping[str, object], layers: int) -> list[bool]:
    """Which layers are sliding-window layers."""
    pattern = info.get(f"{arch}.attention.sliding_window_pattern")
    if isinstance(pattern, list) and len(pattern) == layers and all(isinstance(p, bool) for p in pattern):
        return list(pattern)  # llama.cpp's per-layer flag: true = sliding window
    if arch in ("gptoss", "gpt-oss"):
        return [i % 2 == 0 for i in range(layers)]  # GraphSize: even layers are the window layers
    if arch == "gemma3":
        return [(i + 1) % 6 != 0 for i in range(layers)]  # gemma3GlobalCacheCount = 6
    return [False] * layers  # unknown pattern: count every layer at full context (an upper bound)


def _recurrent_elements(arch: str, info: Mapping[str, object]) -> int:
    conv = _number(info, f"{arch}.ssm.conv_kernel") or 0
    inner = _number(info, f"{arch}.ssm.inner_size") or 0
    state = _number(info, f"{arch}.ssm.state_size") or 0
    groups = _number(info, f"{arch}.ssm.group_count") or 0
    rolling = (conv - 1) * (inner + 2 * groups * state) if conv else 0
    return rolling + state * inner


def _rope_from_key(info: Mapping[str, object], arch: str, lora: int) -> int:
    """Without rope.dimension_count: llama.cpp's MLA form states the latent as one KV head's key."""
    key = _number(info, f"{arch}.attention.key_length")
    if _number(info, f"{arch}.attention.head_count_kv") == 1 and key is not None and key > lora:
        return key - lora
    return 0


def kv_shape(model_info: Mapping[str, object]) -> KvShape | None:
    """The cache shape from `/api/show` model_info, or None if it lacks what is needed."""
    arch = model_info.get("general.architecture")
    if not isinstance(arch, str):
        return None

    def number(key: str) -> int | None:
        return _number(model_info, f"{arch}.{key}")

    layers, heads = number("block_count"), number("attention.head_count")
    if layers is None:
        return None
    lora = number("attention.kv_lora_rank")
    if lora is not None:  # MLA: the latent only, in every layer
        latent = lora + (number("rope.dimension_count") or _rope_from_key(model_info, arch, lora))
        return KvShape(layers, latent, "mla", arch=arch)
    key, value = number("attention.key_length"), number("attention.value_length")
    if key is None or value is None:
        embedding = number("embedding_length")
        if embedding is None or heads is None:
            return None
        key = key or embedding // heads
        value = value or embedding // heads
    kv_key = f"{arch}.attention.head_count_kv"
    if kv_key in model_info and model_info[kv_key] is None:
        # A per-layer array that plain /api/show elides (Ollama decodes model_info with a maximum
        # array size of 0: server/routes.go getModelData): which layers cache is not known here.
        return None
    kv_heads = _per_layer(model_info, kv_key, layers)
    if kv_heads is None:  # not stated: as many KV heads as heads (llama.cpp's n_head_kv default)
        kv_heads = [heads] * layers if heads else None
    if kv_heads is None:
        return None
    interval = number("full_attention_interval")
    if interval:  # hybrids: every n-th layer is attention, the others recurrent
        kv_heads = [h if (i + 1) % interval == 0 else 0 for i, h in enumerate(kv_heads)]
    width = max(kv_heads) * (key + value)
    window = number("attention.sliding_window") or 0
    sliding = _sliding(arch, model_info, layers) if window else [False] * layers
    attention = [i for i, h in enumerate(kv_heads) if h > 0]
    recurrent = layers - len(attention)
    window_layers = sum(1 for i in attention if sliding[i])
    return KvShape(
        layers=len(attention) - window_layers,
        per_token=width,
        window=window,
        window_layers=window_layers,
        window_per_token=width if window_layers else 0,
        recurrent_layers=recurrent,
        recurrent_elements=_recurrent_elements(arch, model_info) if recurrent else 0,
        arch=arch,
    )
