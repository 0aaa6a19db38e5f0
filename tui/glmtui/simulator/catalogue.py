"""The simulated registry: which models exist, what they look like, and how names are matched.

Shapes are the published ones (GGUF model_info as Ollama's converters write it; sources per family below
and in ``seeds``), so the memory model in ``memory`` and a client's estimate from ``/api/show`` both start
from the real facts. ``ModelSpec`` and the name grammar live in ``spec``; this module re-exports them.
"""

from __future__ import annotations

from typing import Any

from .seeds import SEED_REGISTRY, SEED_SPECS
from .spec import Layer, ModelSpec, name_key, normalize_name
from .texts import APACHE_LICENSE, CHATML_TEMPLATE, GLM_TEMPLATE, HARMONY_TEMPLATE, MIT_LICENSE

__all__ = [
    "PREINSTALLED",
    "REGISTRY",
    "SPECS",
    "Layer",
    "ModelSpec",
    "name_key",
    "normalize_name",
    "registry_lookup",
]

# GLM-4.7-Flash, arch glm4moelite: supported from Ollama v0.14.3 (commit 4f138a174). model_info as Ollama's
# converter writes it (convert/convert_glm4moelite.go at 64737330a, v0.15.0): 20 heads, 20 KV heads, key
# 256 (qk_nope 192 + rope 64), value 256 — the decompressed per-head form. The cache is MLA: per layer per
# token only the latent, kv_lora_rank 512 + rope 64 = 576 elements (key_length_mla); PR #13810/#13870.
# A client computing heads x (key + value) from these keys is wrong by 20 x 512 / 576 ≈ 17.8x, as it would
# be against real Ollama.

_GLM: dict[str, Any] = {
    "family": "glm-4.7-flash",
    "arch": "glm4moelite",
    "parameter_size": "29.9B",
    "parameter_count": 29_943_390_976,
    "capabilities": ("completion", "tools", "thinking"),
    "context_length": 202_752,
    "block_count": 47,
    "embedding_length": 2048,
    "head_count": 20,
    "head_count_kv": 20,
    "key_length": 256,
    "value_length": 256,
    "vocab_size": 154_880,
    "license": MIT_LICENSE,
    "template": GLM_TEMPLATE,
    "parameters": (("temperature", "1"), ("top_p", "0.95")),
    "extra_info": (
        ("glm4moelite.expert_count", 64),
        ("glm4moelite.expert_used_count", 4),
        ("glm4moelite.attention.kv_lora_rank", 512),
        ("glm4moelite.attention.key_length_mla", 576),
        ("glm4moelite.attention.value_length_mla", 512),
        ("glm4moelite.rope.dimension_count", 64),
    ),
    "min_ollama": "0.14.3",
    # Ollama creates GLM-4 architectures with the glm-4.7 renderer and parser (x/create/client/create.go).
    "renderer": "glm-4.7",
}
# gpt-oss, arch gptoss: Ollama v0.11.0 ("gpt-oss integration", d55206841). Sliding window 128 on even
# layers, which Ollama caches as 4096 tokens (model/models/gptoss: NewSWAMemCache(window, 4096)).
_GPT_OSS: dict[str, Any] = {
    "family": "gpt-oss",
    "arch": "gptoss",
    "quantization": "MXFP4",
    "file_type": 38,
    "capabilities": ("completion", "tools", "thinking"),
    "context_length": 131_072,
    "embedding_length": 2880,
    "head_count": 64,
    "head_count_kv": 8,
    "key_length": 64,
    "value_length": 64,
    "vocab_size": 201_088,
    "license": APACHE_LICENSE,
    "template": HARMONY_TEMPLATE,
    "parameters": (("temperature", "1"),),
    "thinking_levels": True,
    "extra_info": (("gptoss.attention.sliding_window", 128),),
    "min_ollama": "0.11.0",
}

# Every variant the simulated registry knows about, keyed by "family:variant".
SPECS: dict[str, ModelSpec] = {
    f"{s.family}:{s.variant}": s
    for s in (
        ModelSpec(
            variant="q4_K_M", quantization="Q4_K_M", file_type=15, weights_bytes=19_016_555_648, **_GLM
        ),
        ModelSpec(
            variant="q8_0", quantization="Q8_0", file_type=7, weights_bytes=31_839_127_680, speed=0.75, **_GLM
        ),
        ModelSpec(
            variant="bf16", quantization="BF16", file_type=32, weights_bytes=59_886_781_952, speed=0.2, **_GLM
        ),
        ModelSpec(
            variant="20b",
            parameter_size="20.9B",
            parameter_count=20_914_757_184,
            weights_bytes=13_780_154_624,
            block_count=24,
            speed=1.25,
            **_GPT_OSS,
        ),
        ModelSpec(
            variant="120b",
            parameter_size="116.8B",
            parameter_count=116_829_156_672,
            weights_bytes=65_290_180_672,
            block_count=36,
            speed=0.3,
            **_GPT_OSS,
        ),
        # qwen3-coder:30b (Qwen3-Coder-30B-A3B), arch qwen3moe: 48 layers, 32 heads, 4 KV heads x 128.
        ModelSpec(
            family="qwen3-coder",
            variant="30b",
            arch="qwen3moe",
            parameter_size="30.5B",
            parameter_count=30_532_122_624,
            quantization="Q4_K_M",
            file_type=15,
            weights_bytes=18_556_686_208,
            capabilities=("completion", "tools"),
            context_length=262_144,
            block_count=48,
            embedding_length=2048,
            head_count=32,
            head_count_kv=4,
            key_length=128,
            value_length=128,
            vocab_size=151_936,
            license=APACHE_LICENSE,
            template=CHATML_TEMPLATE,
            parameters=(
                ("repeat_penalty", "1.05"),
                ("stop", '"<|im_end|>"'),
                ("temperature", "0.7"),
                ("top_k", "20"),
                ("top_p", "0.8"),
            ),
            extra_info=(("qwen3moe.expert_count", 128), ("qwen3moe.expert_used_count", 8)),
            min_ollama="0.6.6",  # qwen3moe came with the llama.cpp update 943464ccb, first in v0.6.6
        ),
    )
}
SPECS.update(SEED_SPECS)

# Registry tags → variant. Several tags may point at the same weights (same digest), as on ollama.com.
REGISTRY: dict[str, str] = {
    "glm-4.7-flash:latest": "glm-4.7-flash:q4_K_M",
    "glm-4.7-flash:q4_K_M": "glm-4.7-flash:q4_K_M",
    "glm-4.7-flash:q8_0": "glm-4.7-flash:q8_0",
    "glm-4.7-flash:bf16": "glm-4.7-flash:bf16",
    "gpt-oss:latest": "gpt-oss:20b",
    "gpt-oss:20b": "gpt-oss:20b",
    "gpt-oss:120b": "gpt-oss:120b",
    "qwen3-coder:latest": "qwen3-coder:30b",
    "qwen3-coder:30b": "qwen3-coder:30b",
    **SEED_REGISTRY,
}

# Installed when a simulator starts.
PREINSTALLED: tuple[str, ...] = ("glm-4.7-flash:latest", "gpt-oss:20b", "qwen3-coder:30b")


def registry_lookup(name: str) -> tuple[str, ModelSpec] | None:
    """Resolve a pullable name (case-insensitive, tag defaults to latest) to (canonical name, spec)."""
    key = name_key(name)
    if key is None:
        return None
    for tag, variant in REGISTRY.items():
        if tag.lower() == key:
            return tag, SPECS[variant]
    return None
