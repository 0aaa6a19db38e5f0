"""The seed families of issue 13: Qwen3.5, Nemotron 3, Mistral Small 4 and Gemma 3 QAT.

Each spec's ``extra_info`` is its GGUF model_info in the form Ollama's converter writes it (verbose
``/api/show``): hybrids carry a per-layer ``attention.head_count_kv`` array with 0 for recurrent layers and
the ``ssm.*`` keys; MLA models carry ``kv_lora_rank``. Sources, one per family:

* Qwen3.5 — archs qwen35 / qwen35moe, Ollama commit da70c3222 "model: support for qwen3.5 architecture
  (#14378)", first in v0.17.1; keys from convert/convert_qwen3next.go (v0.18.3): head_count_kv[i] =
  num_key_value_heads on every ``full_attention_interval``-th layer, else 0; ssm.inner_size =
  linear_value_head_dim x linear_num_value_heads, ssm.state_size = linear_key_head_dim, ssm.group_count =
  linear_num_key_heads, ssm.time_step_rank = linear_num_value_heads. Shapes: huggingface.co/Qwen/
  Qwen3.5-35B-A3B config.json (40 layers, hidden 2048, 16 heads, 2 KV heads x 256, linear heads 16 key /
  32 value x 128, 256 experts / 8, interval 4; as in THUDM/slime scripts/models/qwen3.5-35B-A3B.sh),
  Qwen/Qwen3.5-27B (64 layers, hidden 5120, 24 heads, 4 KV heads x 256; slime qwen3.5-27B.sh), Qwen/
  Qwen3.5-122B-A10B (48 layers, hidden 3072, 32 heads, 2 KV heads; linear heads not verified).
* Nemotron 3 — archs nemotron_h / nemotron_h_moe, commit 0ade9205c "models: add nemotronh architecture
  support (#14356)", first in v0.17.1; keys from convert/convert_nemotron_h.go. Nano: huggingface.co/nvidia/
  NVIDIA-Nemotron-3-Nano-30B-A3B-BF16 config.json (52 layers, pattern MEMEM*E..., hidden 2688, 32 heads,
  2 KV heads x 128, Mamba2 64 heads x 64, state 128, 8 groups, 128 experts / 6; the same figures are in
  Ollama's TestNemotronHKV). Super (120B-A12B, LatentMoE): layer layout not verified, approximate.
* Mistral Small 4 — arch mistral4 (llama.cpp PR #20649: deepseek2-style MLA, K head 320 = kv_lora_rank 256
  + rope 64, V 256). Not in Ollama's own engine (issue ollama/ollama#15142, open in May 2026); served
  since Ollama runs GGUFs on upstream llama-server (commit 9db4bdbad, llama.cpp b9409), first in v0.30.0.
  GGUF in llama.cpp's MLA form (head_count_kv 1, key_length 320, value_length 256). Approximate.
* Gemma 3 QAT — arch gemma3, Ollama v0.6.0; ollama.com/library/gemma3:27b-it-qat; 62 layers, 16 KV heads x
  128, sliding window 1024 on five layers of six.

Download sizes are estimates (not checked against ollama.com from here): the catalogue marks them
approximate.
"""

from __future__ import annotations

from typing import Any

from .spec import ModelSpec
from .texts import (
    APACHE_LICENSE,
    CHATML_TEMPLATE,
    GEMMA_LICENSE,
    GEMMA_TEMPLATE,
    MISTRAL_TEMPLATE,
    NVIDIA_LICENSE,
)

_QWEN_PARAMS = (
    ("presence_penalty", "1.5"),
    ("temperature", "1"),
    ("top_k", "20"),
    ("top_p", "0.95"),
)


def _every(n: int, interval: int, heads: int) -> list[int]:
    """Per-layer KV heads: ``heads`` on every ``interval``-th layer, 0 (recurrent) elsewhere."""
    return [heads if (i + 1) % interval == 0 else 0 for i in range(n)]


def _pattern(layout: str, heads: int) -> list[int]:
    """Per-layer KV heads from a Nemotron-H hybrid_override_pattern: '*' is attention, the rest none."""
    return [heads if c == "*" else 0 for c in layout]


def _qwen35(
    variant: str, arch: str, blocks: int, embedding: int, heads: int, kv: int, v_heads: int, **kw: Any
) -> ModelSpec:
    a = arch
    extra: list[tuple[str, object]] = [
        (f"{a}.attention.head_count_kv", _every(blocks, 4, kv)),
        (f"{a}.full_attention_interval", 4),
        (f"{a}.rope.dimension_count", 64),  # head_dim 256 x partial_rotary_factor 0.25
        (f"{a}.ssm.conv_kernel", 4),
        (f"{a}.ssm.inner_size", 128 * v_heads),
        (f"{a}.ssm.state_size", 128),
        (f"{a}.ssm.group_count", 16),
        (f"{a}.ssm.time_step_rank", v_heads),
    ]
    extra += kw.pop("more", [])
    return ModelSpec(
        family="qwen3.5",
        variant=variant,
        arch=arch,
        quantization="Q4_K_M",
        file_type=15,
        capabilities=("completion", "vision", "tools", "thinking"),
        context_length=262_144,
        block_count=blocks,
        embedding_length=embedding,
        head_count=heads,
        head_count_kv=kv,
        key_length=256,
        value_length=256,
        vocab_size=248_320,
        license=APACHE_LICENSE,
        template=CHATML_TEMPLATE,
        parameters=_QWEN_PARAMS,
        extra_info=tuple(extra),
        min_ollama="0.17.1",
        **kw,
    )


NANO_LAYOUT = "MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME"  # 52 blocks, 6 attention
# Super: 88 blocks; positions of its attention blocks not verified (8 here, illustrative).
SUPER_LAYOUT = ("MEMEMEMEME*" * 8)[:88]


def _nemotron(
    variant: str, layout: str, embedding: int, mamba_heads: int, experts: int, used: int, **kw: Any
) -> ModelSpec:
    a = "nemotron_h_moe"
    return ModelSpec(
        family=kw.pop("family"),
        variant=variant,
        arch=a,
        quantization="Q4_K_M",
        file_type=15,
        capabilities=("completion", "tools", "thinking"),
        context_length=1_048_576,
        block_count=len(layout),
        embedding_length=embedding,
        head_count=32,
        head_count_kv=2,
        key_length=128,
        value_length=128,
        vocab_size=131_072,
        license=NVIDIA_LICENSE,
        template=CHATML_TEMPLATE,
        parameters=(("temperature", "1"), ("top_p", "1")),
        extra_info=(
            (f"{a}.attention.head_count_kv", _pattern(layout, 2)),
            (f"{a}.ssm.conv_kernel", 4),
            (f"{a}.ssm.inner_size", mamba_heads * 64),
            (f"{a}.ssm.state_size", 128),
            (f"{a}.ssm.group_count", 8),
            (f"{a}.ssm.time_step_rank", mamba_heads),
            (f"{a}.expert_count", experts),
            (f"{a}.expert_used_count", used),
        ),
        min_ollama="0.17.1",
        **kw,
    )


SEED_SPECS: dict[str, ModelSpec] = {
    f"{s.family}:{s.variant}": s
    for s in (
        _qwen35(
            "35b-a3b",
            "qwen35moe",
            40,
            2048,
            16,
            2,
            32,
            parameter_size="35B",
            parameter_count=35_000_000_000,
            weights_bytes=23_000_000_000,
            speed=1.1,
            more=[("qwen35moe.expert_count", 256), ("qwen35moe.expert_used_count", 8)],
        ),
        _qwen35(
            "27b",
            "qwen35",
            64,
            5120,
            24,
            4,
            48,
            parameter_size="27B",
            parameter_count=27_000_000_000,
            weights_bytes=17_000_000_000,
            speed=0.45,
        ),
        _qwen35(
            "122b-a10b",
            "qwen35moe",
            48,
            3072,
            32,
            2,
            64,
            parameter_size="122B",
            parameter_count=122_000_000_000,
            weights_bytes=76_000_000_000,
            speed=0.5,
            more=[("qwen35moe.expert_count", 256), ("qwen35moe.expert_used_count", 8)],
        ),
        _nemotron(
            "30b-a3b",
            NANO_LAYOUT,
            2688,
            64,
            128,
            6,
            family="nemotron-3-nano",
            parameter_size="31.6B",
            parameter_count=31_600_000_000,
            weights_bytes=24_000_000_000,
            speed=1.1,
        ),
        _nemotron(
            "120b-a12b",
            SUPER_LAYOUT,
            4096,
            128,
            512,
            22,
            family="nemotron-3-super",
            parameter_size="120B",
            parameter_count=120_000_000_000,
            weights_bytes=80_000_000_000,
            speed=0.45,
        ),
        ModelSpec(
            family="mistral-small4",
            variant="119b",
            arch="mistral4",
            parameter_size="119B",
            parameter_count=119_000_000_000,
            quantization="Q4_K_M",
            file_type=15,
            weights_bytes=72_000_000_000,
            capabilities=("completion", "vision", "tools", "thinking"),
            context_length=262_144,
            block_count=36,
            embedding_length=4096,
            head_count=32,
            head_count_kv=1,  # llama.cpp's MLA form: one latent "head"
            key_length=320,  # kv_lora_rank 256 + rope 64
            value_length=256,  # kv_lora_rank
            vocab_size=131_072,
            license=APACHE_LICENSE,
            template=MISTRAL_TEMPLATE,
            parameters=(("temperature", "0.7"),),
            speed=0.6,
            extra_info=(
                ("mistral4.attention.kv_lora_rank", 256),
                ("mistral4.rope.dimension_count", 64),
                ("mistral4.attention.key_length_mla", 192),
                ("mistral4.attention.value_length_mla", 128),
                ("mistral4.expert_count", 128),
                ("mistral4.expert_used_count", 4),
            ),
            min_ollama="0.30.0",
        ),
        ModelSpec(
            family="gemma3",
            variant="27b-it-qat",
            arch="gemma3",
            parameter_size="27.4B",
            parameter_count=27_432_406_640,
            quantization="Q4_0",
            file_type=2,
            weights_bytes=18_000_000_000,
            capabilities=("completion", "vision"),
            context_length=131_072,
            block_count=62,
            embedding_length=5376,
            head_count=32,
            head_count_kv=16,
            key_length=128,
            value_length=128,
            vocab_size=262_144,
            license=GEMMA_LICENSE,
            template=GEMMA_TEMPLATE,
            parameters=(
                ("stop", '"<end_of_turn>"'),
                ("temperature", "1"),
                ("top_k", "64"),
                ("top_p", "0.95"),
            ),
            speed=0.5,
            extra_info=(("gemma3.attention.sliding_window", 1024),),
            min_ollama="0.6.0",
        ),
    )
}

SEED_REGISTRY: dict[str, str] = {
    "qwen3.5:latest": "qwen3.5:35b-a3b",
    "qwen3.5:35b-a3b": "qwen3.5:35b-a3b",
    "qwen3.5:27b": "qwen3.5:27b",
    "qwen3.5:122b-a10b": "qwen3.5:122b-a10b",
    "nemotron-3-nano:latest": "nemotron-3-nano:30b-a3b",
    "nemotron-3-nano:30b-a3b": "nemotron-3-nano:30b-a3b",
    "nemotron-3-super:latest": "nemotron-3-super:120b-a12b",
    "nemotron-3-super:120b-a12b": "nemotron-3-super:120b-a12b",
    "mistral-small4:latest": "mistral-small4:119b",
    "mistral-small4:119b": "mistral-small4:119b",
    "gemma3:27b-it-qat": "gemma3:27b-it-qat",
}
