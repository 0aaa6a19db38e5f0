"""The simulator's /api/ps sizes and default context, against figures worked out by hand from the shapes.

Each expected figure is written out from the model's shape (its GGUF model_info) and Ollama's rules, never
from the simulator's or glmtui's code: weights blob + KV cache + compute graph.
  KV bytes per element: f16 2, q8_0 1, q4_0 0.5 (fs/ggml/ggml.go kvCacheBytesPerElement).
  Cache cells: num_ctx rounded up to 256 (kvcache/causal.go, CachePadding 256).
  Graph: 4 × batch 512 × (embedding + vocab) bytes; gpt-oss: (4 + ctx/1024 + 110) MiB.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import ollama
import pytest

from glmtui.simulator import Simulator
from glmtui.simulator.catalogue import SPECS
from tests.helpers import SIM_RATE

MIB, GIB = 1024**2, 1024**3

GLM_WEIGHTS = 19_016_555_648  # glm-4.7-flash:q4_K_M weights blob
GLM_GRAPH = 4 * 512 * (2048 + 154_880)  # embedding 2048, vocab 154,880 = 321,388,544
QWEN_WEIGHTS = 18_556_686_208  # qwen3-coder:30b weights blob
QWEN_GRAPH = 4 * 512 * (2048 + 151_936)
OSS_WEIGHTS = 13_780_154_624  # gpt-oss:20b weights blob


def loaded(sim: Simulator, model: str, **options: int) -> ollama.ProcessResponse.Model:
    with ollama.Client(host=sim.url) as client:
        client.generate(model, "", options=options or None)  # an empty prompt loads and returns
        (entry,) = [m for m in client.ps().models if m.model == model]
        return entry


@pytest.fixture
def sim24() -> Iterator[Simulator]:
    with Simulator(rate=SIM_RATE, load_seconds=0.0) as sim:  # 24 GiB, as `--vram-gib` defaults
        yield sim


def test_glm_mla_cache_is_the_latent_only(sim24: Simulator) -> None:
    # MLA: per layer per token kv_lora_rank 512 + rope 64 = 576 elements, f16.
    # 47 layers × 4096 tokens × 576 × 2 B = 221,773,824 B ≈ 0.21 GiB (not 20 heads × (256+256): 3.67 GiB).
    kv_4k = 47 * 4096 * 576 * 2
    assert kv_4k == 221_773_824
    entry = loaded(sim24, "glm-4.7-flash:latest", num_ctx=4096)
    assert entry.size == GLM_WEIGHTS + kv_4k + GLM_GRAPH and entry.size_vram == entry.size
    assert entry.context_length == 4096
    # 64k: 47 × 65,536 × 576 × 2 = 3,548,381,184 B; total ≈ 22.9 GB, Ollama's published ~23 GB for 64k.
    entry = loaded(sim24, "glm-4.7-flash:latest", num_ctx=65536)
    assert entry.size == GLM_WEIGHTS + 47 * 65536 * 576 * 2 + GLM_GRAPH
    assert 22.5e9 < (entry.size or 0) < 23.5e9 and entry.size_vram == entry.size


def test_glm_at_the_24_gib_default_loads_in_about_19_7_gib(sim24: Simulator) -> None:
    # No num_ctx: 24 GiB of VRAM is Ollama's 24–48 GiB tier, 32,768 tokens.
    # 19,016,555,648 + 47 × 32,768 × 576 × 2 (1,774,190,592) + 321,388,544 = 21,112,134,784 B = 19.66 GiB.
    entry = loaded(sim24, "glm-4.7-flash:latest")
    assert entry.context_length == 32768
    assert entry.size == 21_112_134_784 and round((entry.size or 0) / GIB, 1) == 19.7


def test_qwen3_coder_gqa_cache(sim24: Simulator) -> None:
    # GQA: 48 layers × 4 KV heads × (128 + 128) × 2 B × 32,768 tokens = 3,221,225,472 B = 3.0 GiB.
    kv_32k = 48 * 4 * (128 + 128) * 2 * 32768
    assert kv_32k == 3 * GIB
    entry = loaded(sim24, "qwen3-coder:30b", num_ctx=32768)
    assert entry.size == QWEN_WEIGHTS + kv_32k + QWEN_GRAPH
    entry = loaded(sim24, "qwen3-coder:30b", num_ctx=4096)
    assert entry.size == QWEN_WEIGHTS + kv_32k // 8 + QWEN_GRAPH


def test_gpt_oss_sliding_window_layers(sim24: Simulator) -> None:
    # 24 layers, 8 KV heads × (64 + 64) × 2 B = 2,048 B per token per layer.
    # At 4,096 tokens the 4,096-token window memory covers the context: all 24 layers hold 4,096 tokens.
    entry = loaded(sim24, "gpt-oss:20b", num_ctx=4096)
    assert entry.size == OSS_WEIGHTS + 24 * 4096 * 2048 + (4 + 4 + 110) * MIB
    # At 32,768: 12 even (sliding) layers hold 4,096 + batch 512 = 4,608 tokens, 12 odd ones 32,768.
    sliding, full = 12 * 4608 * 2048, 12 * 32768 * 2048  # 113,246,208 + 805,306,368
    entry = loaded(sim24, "gpt-oss:20b", num_ctx=32768)
    assert entry.size == OSS_WEIGHTS + sliding + full + (4 + 32 + 110) * MIB
    assert entry.context_length == 32768


def test_q8_0_cache_halves_f16() -> None:
    with Simulator(rate=SIM_RATE, load_seconds=0.0, kv_cache_type="q8_0") as sim:
        entry = loaded(sim, "qwen3-coder:30b", num_ctx=32768)
        assert entry.size == QWEN_WEIGHTS + 48 * 4 * 256 * 1 * 32768 + QWEN_GRAPH  # 1.5 GiB
        # The setting is the server's environment: /_sim/config changes it for the next load.
        assert httpx.post(f"{sim.url}/_sim/config", json={"kv_cache_type": "q4_0"}, timeout=5).is_success
        entry = loaded(sim, "glm-4.7-flash:latest", num_ctx=4096)
        assert entry.size == GLM_WEIGHTS + 47 * 4096 * 576 // 2 + GLM_GRAPH  # q4_0: half a byte
        bad = httpx.post(f"{sim.url}/_sim/config", json={"kv_cache_type": "q5_1"}, timeout=5)
        assert bad.status_code == 400 and "kv_cache_type" in bad.json()["error"]


@pytest.mark.parametrize(
    ("vram_gib", "glm_ctx", "oss_ctx"),
    [
        (16, 4096, 4096),  # under 23 GiB: 4k
        (24, 32768, 32768),  # 23–47 GiB: 32k
        (48, 202_752, 131_072),  # 47 GiB and over: 256k, capped at each model's trained context
    ],
)
def test_default_context_follows_the_vram_tier(vram_gib: int, glm_ctx: int, oss_ctx: int) -> None:
    with Simulator(rate=SIM_RATE, load_seconds=0.0, vram_bytes=vram_gib * GIB) as sim:
        assert loaded(sim, "glm-4.7-flash:latest").context_length == glm_ctx
        assert loaded(sim, "gpt-oss:20b").context_length == oss_ctx


def test_ollama_context_length_then_request_options() -> None:
    with Simulator(rate=SIM_RATE, load_seconds=0.0, context_length=8192) as sim:
        assert loaded(sim, "qwen3-coder:30b").context_length == 8192  # OLLAMA_CONTEXT_LENGTH
        assert loaded(sim, "qwen3-coder:30b", num_ctx=2048).context_length == 2048  # options win
        assert httpx.post(f"{sim.url}/_sim/config", json={"context_length": None}, timeout=5).is_success
        assert loaded(sim, "qwen3-coder:30b").context_length == 32768  # back to the 24 GiB tier
        assert httpx.post(f"{sim.url}/_sim/config", json={"context_length": 10**7}, timeout=5).is_success
        assert loaded(sim, "qwen3-coder:30b").context_length == 262_144  # capped at the trained context


def test_cpu_split_is_by_whole_layers() -> None:
    # 16 GiB: the 4k tier. glm at 4k is 19,559,718,016 B; usable VRAM 16 GiB − 457 MiB reserve.
    # The graph stays on the GPU; then whole layers of weights/47 + 47-th of the cache each.
    usable = 16 * GIB - 457 * MIB
    layer = GLM_WEIGHTS // 47 + 4096 * 576 * 2  # 404,607,566 + 4,718,592 = 409,326,158
    n = (usable - GLM_GRAPH) // layer  # 40 layers
    with Simulator(rate=SIM_RATE, load_seconds=0.0, vram_bytes=16 * GIB) as sim:
        entry = loaded(sim, "glm-4.7-flash:latest")
        assert n == 40 and entry.size_vram == GLM_GRAPH + n * layer < (entry.size or 0)


def test_version_serves_every_listed_model_and_can_be_set() -> None:
    newest = max(tuple(map(int, s.min_ollama.split("."))) for s in SPECS.values())
    with Simulator(rate=SIM_RATE) as sim:
        version = httpx.get(f"{sim.url}/api/version", timeout=5).json()["version"]
        assert tuple(map(int, version.split("."))) >= max(newest, (0, 15, 5))
        assert httpx.post(f"{sim.url}/_sim/config", json={"version": "0.14.0"}, timeout=5).is_success
        assert httpx.get(f"{sim.url}/api/version", timeout=5).json() == {"version": "0.14.0"}
    with Simulator(rate=SIM_RATE, version="0.13.0") as old:
        assert httpx.get(f"{old.url}/api/version", timeout=5).json() == {"version": "0.13.0"}


def test_hybrid_per_layer_arrays_are_null_unless_verbose(sim24: Simulator) -> None:
    spec = SPECS["qwen3.5:35b-a3b"]
    sim24.store.install("qwen3.5:35b-a3b", spec)
    plain = httpx.post(f"{sim24.url}/api/show", json={"model": "qwen3.5:35b-a3b"}, timeout=5).json()
    assert plain["model_info"]["qwen35moe.attention.head_count_kv"] is None  # as Ollama: arrays are null
    verbose = httpx.post(
        f"{sim24.url}/api/show", json={"model": "qwen3.5:35b-a3b", "verbose": True}, timeout=5
    ).json()
    assert verbose["model_info"]["qwen35moe.attention.head_count_kv"] == [0, 0, 0, 2] * 10
    # 10 attention layers × 2 KV heads × (256 + 256) × 2 B × 4,096 = 83,886,080 B, plus 30 Gated DeltaNet
    # layers of fixed f32 state: (4 − 1) × (4096 + 2 × 16 × 128) + 128 × 4096 = 548,864 floats = 2,195,456 B.
    entry = loaded(sim24, "qwen3.5:35b-a3b", num_ctx=4096)
    graph = 4 * 512 * (2048 + 248_320)
    assert entry.size == spec.weights_bytes + 10 * 2 * 512 * 2 * 4096 + 30 * 2_195_456 + graph
