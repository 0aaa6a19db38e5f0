"""The simulated model registry: which models exist, what they look like, and how names are matched.

The figures (sizes, layer counts, attention heads, context lengths) follow the real GGUF files closely
enough that the app's VRAM/KV-cache estimates computed from ``/api/show`` are meaningful. Digests are
derived from stable strings, so they never change between runs and variants share the small layers
(template, license, params) exactly as they do on ollama.com.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# Ollama's default registry prefix; a name written with it is the same model as the short name.
_DEFAULT_PREFIXES = ("registry.ollama.ai/library/", "library/")
# Loose version of Ollama's name grammar: [host/][namespace/]model[:tag], no spaces or odd characters.
_NAME_RE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*){0,2}(:[A-Za-z0-9_][A-Za-z0-9._-]{0,79})?$"
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalize_name(name: str) -> str | None:
    """Canonical display form (``model:tag``, tag defaults to ``latest``) or None if the name is invalid.

    Case is preserved for display; lookups use ``name_key``, because Ollama matches names
    case-insensitively.
    """
    name = name.strip()
    for prefix in _DEFAULT_PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    if not name or not _NAME_RE.match(name):
        return None
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


def name_key(name: str) -> str | None:
    """Case-insensitive lookup key for a model name, or None if invalid."""
    display = normalize_name(name)
    return display.lower() if display is not None else None


@dataclass(frozen=True)
class Layer:
    """One blob of a model manifest; pulls download these one after another."""

    media_type: str
    digest: str  # "sha256:<64 hex>"
    size: int


@dataclass(frozen=True)
class ModelSpec:
    """Everything the simulator reports about one model variant (a weights file plus its metadata)."""

    family: str  # base name on the registry, e.g. "glm-4.7-flash"
    variant: str  # canonical tag of this weights file, e.g. "q4_K_M"
    arch: str  # GGUF general.architecture
    parameter_size: str
    parameter_count: int
    quantization: str
    file_type: int
    weights_bytes: int
    capabilities: tuple[str, ...]
    context_length: int
    block_count: int
    embedding_length: int
    head_count: int
    head_count_kv: int
    key_length: int
    value_length: int
    vocab_size: int
    license: str
    template: str
    parameters: tuple[tuple[str, str], ...]
    thinking_levels: bool = False  # gpt-oss style: think is a level, the trace cannot be turned off
    # Decode speed relative to the simulator's base rate: bigger weights per token stream slower, as
    # they do on a real GPU (memory-bandwidth bound), so an A/B of q4_K_M against q8_0 differs.
    speed: float = 1.0
    extra_info: tuple[tuple[str, object], ...] = field(default=())

    @cached_property
    def layers(self) -> tuple[Layer, ...]:
        # The weights are unique per variant; the small layers are shared by the family, so pulling a
        # second quantisation only downloads the weights, as on the real registry.
        small = [
            ("application/vnd.ollama.image.template", self.template),
            ("application/vnd.ollama.image.license", self.license),
            ("application/vnd.ollama.image.params", self.params_json),
        ]
        layers = [
            Layer(
                "application/vnd.ollama.image.model",
                "sha256:" + _sha(f"weights/{self.family}/{self.variant}"),
                self.weights_bytes,
            )
        ]
        layers += [
            Layer(media, "sha256:" + _sha(f"{media}/{self.family}/{body}"), len(body.encode()))
            for media, body in small
        ]
        config = f'{{"model_format":"gguf","model_family":"{self.arch}","file_type":"{self.quantization}"}}'
        layers.append(
            Layer(
                "application/vnd.docker.container.image.v1+json",
                "sha256:" + _sha(f"config/{self.family}/{self.variant}"),
                len(config) + 180,
            )
        )
        return tuple(layers)

    @cached_property
    def size(self) -> int:
        """Bytes on disk (what ``/api/tags`` reports): the sum of all layers."""
        return sum(layer.size for layer in self.layers)

    @cached_property
    def digest(self) -> str:
        """Manifest digest, hex without the ``sha256:`` prefix (as ``/api/tags`` shows it)."""
        return _sha(f"manifest/{self.family}/{self.variant}")

    @property
    def params_json(self) -> str:
        return "{" + ",".join(f'"{k}":{v}' for k, v in self.parameters) + "}"

    def kv_cache_bytes(self, num_ctx: int) -> int:
        """f16 KV cache for ``num_ctx`` tokens: layers x ctx x kv_heads x (key + value length) x 2 bytes."""
        return self.block_count * num_ctx * self.head_count_kv * (self.key_length + self.value_length) * 2

    def model_info(self) -> dict[str, object]:
        """``/api/show`` model_info with the GGUF keys clients use to estimate memory."""
        a = self.arch
        info: dict[str, object] = {
            "general.architecture": a,
            "general.file_type": self.file_type,
            "general.parameter_count": self.parameter_count,
            "general.quantization_version": 2,
            f"{a}.attention.head_count": self.head_count,
            f"{a}.attention.head_count_kv": self.head_count_kv,
            f"{a}.attention.key_length": self.key_length,
            f"{a}.attention.value_length": self.value_length,
            f"{a}.block_count": self.block_count,
            f"{a}.context_length": self.context_length,
            f"{a}.embedding_length": self.embedding_length,
            f"{a}.vocab_size": self.vocab_size,
            "tokenizer.ggml.model": "gpt2",
            "tokenizer.ggml.tokens": None,  # Ollama sends null for large arrays unless verbose
        }
        info.update(dict(self.extra_info))
        return dict(sorted(info.items()))


MIT_LICENSE = """MIT License

Copyright (c) 2025 Zhipu AI

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and \
associated documentation files (the "Software"), to deal in the Software without restriction, including \
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell \
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the \
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial \
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED."""

APACHE_LICENSE = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction, and distribution as defined
      by Sections 1 through 9 of this document."""

GLM_TEMPLATE = (
    "[gMASK]<sop>{{- if .System }}<|system|>\n{{ .System }}{{- end }}"
    "{{- range .Messages }}<|{{ .Role }}|>\n{{ .Content }}{{- end }}<|assistant|>"
    "{{- if and .IsThinkSet (not .Think) }}</think>{{- else }}<think>{{- end }}"
)
HARMONY_TEMPLATE = (
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\nReasoning: {{ .ThinkLevel }}\n\n# Valid channels: analysis, commentary, "
    "final.<|end|>{{- range .Messages }}<|start|>{{ .Role }}<|message|>{{ .Content }}<|end|>{{- end }}"
    "<|start|>assistant"
)
CHATML_TEMPLATE = (
    "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n"
)

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
    "head_count_kv": 1,
    "key_length": 576,
    "value_length": 512,
    "vocab_size": 154_880,
    "license": MIT_LICENSE,
    "template": GLM_TEMPLATE,
    "parameters": (("temperature", "1"), ("top_p", "0.95")),
    "extra_info": (
        ("glm4moelite.expert_count", 64),
        ("glm4moelite.expert_used_count", 4),
        ("glm4moelite.attention.kv_lora_rank", 512),
    ),
}
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
        ),
    )
}

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
