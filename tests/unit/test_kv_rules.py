"""The KV-cache and fit rules, pinned to figures worked out by hand from published model shapes.

The model_info dicts are written here from the models' published configs (config.json on Hugging Face)
in the form Ollama's converter stores them — not taken from the simulator, which models the same
engines independently.
"""

from __future__ import annotations

from glmtui.core.fit import GPU_RESERVE, Machine, estimate, graph_bytes, largest_context, need_for
from glmtui.core.kv import KvShape, kv_shape
from glmtui.core.server_settings import ServerSettings
from glmtui.core.units import GIB

# GLM-4.7-Flash (zai-org/GLM-4.7-Flash config.json: 47 layers, 20 heads, kv_lora_rank 512,
# qk_nope_head_dim 192, qk_rope_head_dim 64, v_head_dim 256, hidden 2048, vocab 154,880), as Ollama's
# convert_glm4moelite.go writes it: head_count_kv 20, key_length 192 + 64, value_length 256.
GLM = {
    "general.architecture": "glm4moelite",
    "glm4moelite.block_count": 47,
    "glm4moelite.attention.head_count": 20,
    "glm4moelite.attention.head_count_kv": 20,
    "glm4moelite.attention.key_length": 256,
    "glm4moelite.attention.value_length": 256,
    "glm4moelite.attention.kv_lora_rank": 512,
    "glm4moelite.rope.dimension_count": 64,
    "glm4moelite.embedding_length": 2048,
    "glm4moelite.vocab_size": 154_880,
    "glm4moelite.context_length": 202_752,
}
GLM_Q4_WEIGHTS = 19_016_555_648  # the q4_K_M blob (ollama.com: 19 GB)
# Qwen3-Coder-30B-A3B: 48 layers, 32 heads, 4 KV heads, head_dim 128.
QWEN3_CODER = {
    "general.architecture": "qwen3moe",
    "qwen3moe.block_count": 48,
    "qwen3moe.attention.head_count": 32,
    "qwen3moe.attention.head_count_kv": 4,
    "qwen3moe.attention.key_length": 128,
    "qwen3moe.attention.value_length": 128,
    "qwen3moe.embedding_length": 2048,
}
# gpt-oss-20b: 24 layers alternating sliding-window (128 tokens) and full attention, 8 KV heads of 64.
GPT_OSS = {
    "general.architecture": "gptoss",
    "gptoss.block_count": 24,
    "gptoss.attention.head_count": 64,
    "gptoss.attention.head_count_kv": 8,
    "gptoss.attention.key_length": 64,
    "gptoss.attention.value_length": 64,
    "gptoss.attention.sliding_window": 128,
    "gptoss.embedding_length": 2880,
}
# gemma-3-27b: 62 layers, 16 KV heads of 128, a 1,024-token window on 5 layers in 6.
GEMMA3 = {
    "general.architecture": "gemma3",
    "gemma3.block_count": 62,
    "gemma3.attention.head_count": 32,
    "gemma3.attention.head_count_kv": 16,
    "gemma3.attention.key_length": 128,
    "gemma3.attention.value_length": 128,
    "gemma3.attention.sliding_window": 1024,
    "gemma3.embedding_length": 5376,
}
OLD_ENGINE = ServerSettings(version="0.15.5")  # before Ollama ran llama-server (0.30)


def kv(info: dict[str, object], context: int, settings: ServerSettings | None = None) -> int:
    need = need_for(0, info, None, context, None, settings)
    assert need.kv is not None
    return need.kv


def test_glm_flash_cache_is_the_mla_latent_not_the_heads() -> None:
    # 47 layers × 4,096 tokens × (512 + 64) × 2 bytes = 221,773,824 bytes ≈ 0.21 GiB.
    assert kv(GLM, 4096) == 221_773_824
    assert round(221_773_824 / GIB, 2) == 0.21
    # The naive reading, 47 × 4,096 × 20 heads × (256 + 256) × 2 = 3.67 GiB, is the bug this replaces.
    assert round(47 * 4096 * 20 * 512 * 2 / GIB, 2) == 3.67
    assert kv_shape(GLM) == KvShape(47, 576, "mla", arch="glm4moelite")


def test_llama_cpp_mla_form_gives_the_same_latent() -> None:
    # deepseek2 as llama.cpp (and Ollama's deepseek2 converter) writes it: one "head" whose key is the
    # latent (512 + 64), key_length_mla the per-head decompressed key (192 + 64), which is not the cache.
    info = {
        "general.architecture": "deepseek2",
        "deepseek2.block_count": 47,
        "deepseek2.attention.head_count": 20,
        "deepseek2.attention.head_count_kv": 1,
        "deepseek2.attention.key_length": 576,
        "deepseek2.attention.value_length": 512,
        "deepseek2.attention.key_length_mla": 256,
        "deepseek2.attention.kv_lora_rank": 512,
    }
    assert kv(info, 4096) == 221_773_824  # rope taken from key_length − kv_lora_rank
    assert kv({**info, "deepseek2.rope.dimension_count": 64}, 4096) == 221_773_824


def test_glm_flash_total_at_64k_is_ollamas_published_23_gb() -> None:
    # weights 19,016,555,648 + KV 47 × 65,536 × 576 × 2 = 3,548,381,184
    # + graph 4 × 512 × (2,048 + 154,880) = 321,388,544 → 22,886,325,376 bytes ≈ 22.9 GB.
    need = need_for(GLM_Q4_WEIGHTS, GLM, None, 65536, 202_752)
    assert (need.kv, need.graph) == (3_548_381_184, 321_388_544)
    assert need.total == 22_886_325_376
    assert abs(need.total - 23e9) / 23e9 < 0.01


def test_glm_flash_at_32k_matches_the_loaded_19_7_gib() -> None:
    # 19,016,555,648 + 47 × 32,768 × 1,152 (= 1,774,190,592) + 321,388,544 = 21,112,134,784 = 19.66 GiB.
    need = need_for(GLM_Q4_WEIGHTS, GLM, None, 32768, 202_752)
    assert need.total == 21_112_134_784
    assert round(need.total / GIB, 1) == 19.7


def test_qwen3_coder_cache_at_32k_is_3_gib() -> None:
    # 48 layers × 32,768 × 4 KV heads × (128 + 128) × 2 bytes = 3,221,225,472 = 3.0 GiB exactly.
    assert kv(QWEN3_CODER, 32768) == 3 * GIB


def test_gpt_oss_window_layers_hold_the_window_on_llama_server() -> None:
    # Full layers (odd): 12 × 8,192 × 8 × (64 + 64) × 2 = 201,326,592.
    # Window layers (even): llama.cpp keeps window + ubatch = 128 + 512 = 640 cells, padded to 768:
    # 12 × 768 × 1,024 × 2 = 18,874,368. Total 220,200,960 — not 24 × 8,192 × 2,048 = 402,653,184.
    assert kv(GPT_OSS, 8192) == 220_200_960
    assert kv(GPT_OSS, 8192, ServerSettings(version="0.30.1")) == 220_200_960


def test_gpt_oss_window_layers_on_ollamas_own_engine() -> None:
    # Before 0.30 the window layers kept 4,096 + 512 tokens (NewSWAMemCache; GraphSize):
    # 12 × 4,608 × 2,048 = 113,246,208; + the full layers' 201,326,592 = 314,572,800.
    assert kv(GPT_OSS, 8192, OLD_ENGINE) == 314_572_800
    # Never more than the context: at 2,048 tokens every layer holds 2,048.
    assert kv(GPT_OSS, 2048, OLD_ENGINE) == 24 * 2048 * 2048


def test_gemma3_has_one_global_layer_in_six() -> None:
    # Layers 6, 12, … 60 are global: 10 × 32,768 × 16 × 256 × 2 = 2,684,354,560.
    # The other 52 hold window + ubatch = 1,024 + 512 = 1,536 cells: 52 × 1,536 × 4,096 × 2 = 654,311,424.
    assert kv(GEMMA3, 32768) == 2_684_354_560 + 654_311_424


def test_a_q8_0_cache_halves_f16_and_q4_0_quarters_it() -> None:
    q8 = ServerSettings(cache_type="q8_0", cache_type_source="config")
    q4 = ServerSettings(cache_type="q4_0", cache_type_source="config")
    assert kv(GLM, 4096, q8) == 221_773_824 // 2
    assert kv(QWEN3_CODER, 32768, q4) == 3 * GIB // 4
    need = need_for(0, GLM, None, 4096, None, q8)
    assert need.cache_label() == "q8_0"
    assert need_for(0, GLM, None, 4096, None).cache_label() == "f16 assumed"


def test_a_quantised_cache_needs_flash_attention() -> None:
    # Ollama 0.13 runs llama (not in its flash-attention list) without it: the cache stays f16.
    llama = {**QWEN3_CODER, "general.architecture": "llama"}
    llama = {k.replace("qwen3moe.", "llama."): v for k, v in llama.items()}
    settings = ServerSettings(version="0.13.0", cache_type="q8_0", cache_type_source="config")
    need = need_for(0, llama, None, 32768, None, settings)
    assert need.cache_type == "f16" and need.kv == 3 * GIB


def test_recurrent_layers_keep_a_fixed_f32_state() -> None:
    # Layers 0 and 2 are Mamba2 (head_count_kv 0): (4 − 1) × (256 + 2 × 1 × 16) + 16 × 256 = 4,960
    # f32 elements each = 39,680 bytes for both; layers 1 and 3: 2 × ctx × 2 × 256 × 2 bytes.
    info = {
        "general.architecture": "nemotron_h",
        "nemotron_h.block_count": 4,
        "nemotron_h.attention.head_count": 8,
        "nemotron_h.attention.head_count_kv": [0, 2, 0, 2],
        "nemotron_h.attention.key_length": 128,
        "nemotron_h.attention.value_length": 128,
        "nemotron_h.ssm.conv_kernel": 4,
        "nemotron_h.ssm.inner_size": 256,
        "nemotron_h.ssm.state_size": 16,
        "nemotron_h.ssm.group_count": 1,
    }
    assert kv(info, 1000) == 39_680 + 2 * 1000 * 2 * 256 * 2
    assert kv(info, 2000) - kv(info, 1000) == 2 * 1000 * 2 * 256 * 2  # the state does not grow


def test_full_attention_interval_marks_the_attention_layers() -> None:
    # qwen3next-style: every 4th of 8 layers is attention (2 layers), the rest recurrent.
    info = {
        "general.architecture": "qwen3next",
        "qwen3next.block_count": 8,
        "qwen3next.attention.head_count": 16,
        "qwen3next.attention.head_count_kv": 2,
        "qwen3next.attention.key_length": 256,
        "qwen3next.attention.value_length": 256,
        "qwen3next.full_attention_interval": 4,
    }
    shape = kv_shape(info)
    assert shape is not None and (shape.layers, shape.recurrent_layers) == (2, 6)


def test_fallback_to_embedding_over_heads_and_missing_pieces() -> None:
    info = {
        "general.architecture": "llama",
        "llama.block_count": 32,
        "llama.attention.head_count": 32,
        "llama.attention.head_count_kv": 8,
        "llama.embedding_length": 4096,
    }
    assert kv_shape(info) == KvShape(32, 8 * (128 + 128), arch="llama")
    assert kv_shape({}) is None
    assert kv_shape({"general.architecture": "x", "x.block_count": 10}) is None


def test_graph_without_flash_attention_grows_with_the_context() -> None:
    # llama without flash attention: 4 × 512 × (1 + 2 × 4,096 + 8,192 × 33) = 570,427,392 bytes,
    # more than the output buffers 4 × 512 × (4,096 + 152,064) = 319,815,680.
    info = {"general.architecture": "llama", "llama.embedding_length": 4096, "llama.attention.head_count": 32}
    assert graph_bytes(info, 8192, flash=False) == 4 * 512 * (1 + 2 * 4096 + 8192 * 33)
    assert graph_bytes(info, 8192, flash=True) == 4 * 512 * (4096 + 152_064)


def test_fit_keeps_the_per_gpu_reserve_and_says_the_split() -> None:
    one = Machine(24 * GIB, 24 * GIB, 64 * GIB, "1× RTX 4090", (24 * GIB,))
    assert one.usable() == 24 * GIB - GPU_RESERVE
    assert estimate(24 * GIB - GPU_RESERVE, one).processor() == "100% GPU"
    # 32 GiB on 23.55 usable: (32 − 23.554) / 32 = 26.4 % on the CPU, as `ollama ps` rounds it.
    partial = estimate(32 * GIB, one)
    assert partial.kind == "partial" and partial.processor() == "26%/74% CPU/GPU"
    two = Machine(48 * GIB, 40 * GIB, None, "2× RTX 4090", (24 * GIB, 24 * GIB))
    assert two.usable(ServerSettings(gpu_overhead=GIB)) == 2 * (23 * GIB - GPU_RESERVE)
    assert estimate(1, Machine(None, None, None, "none")).describe() == "no GPU information"


def test_largest_context_that_fits_glm_flash_on_24_gib() -> None:
    # usable = 24 GiB − 457 MiB = 25,290,604,544; fixed = weights + graph = 19,337,944,192;
    # each token costs 47 × 576 × 2 = 54,144 bytes → (25,290,604,544 − 19,337,944,192) / 54,144
    # = 109,941.7 tokens → 109,824, the largest multiple of 256.
    machine = Machine(24 * GIB, 24 * GIB, None, "1× RTX 4090", (24 * GIB,))
    assert largest_context(machine, GLM_Q4_WEIGHTS, GLM, None, 202_752) == 109_824
    # The whole trained context fits 80 GiB; nothing fits 16 GiB.
    big = Machine(80 * GIB, 80 * GIB, None, "H100", (80 * GIB,))
    assert largest_context(big, GLM_Q4_WEIGHTS, GLM, None, 202_752) == 202_752
    small = Machine(16 * GIB, 16 * GIB, None, "16 GiB", (16 * GIB,))
    assert largest_context(small, GLM_Q4_WEIGHTS, GLM, None, 202_752) is None


def test_an_elided_per_layer_array_makes_the_shape_unknown() -> None:
    # Plain /api/show sends a hybrid's per-layer head_count_kv as null: counting every layer with the
    # query heads would overstate the cache many times, so the shape is unknown (the catalogue's is used).
    info = {
        "general.architecture": "nemotron_h_moe",
        "nemotron_h_moe.block_count": 52,
        "nemotron_h_moe.attention.head_count": 32,
        "nemotron_h_moe.attention.head_count_kv": None,
        "nemotron_h_moe.attention.key_length": 128,
        "nemotron_h_moe.attention.value_length": 128,
    }
    assert kv_shape(info) is None
    fallback = KvShape(6, 2 * 256, recurrent_layers=46, recurrent_elements=1000)
    need = need_for(10, info, fallback, 1024, None)
    assert need.kv == 6 * 1024 * 512 * 2 + 46 * 1000 * 4
