"""VRAM fit pinned to hand-computed figures, and the variant catalogue."""

from __future__ import annotations

from pathlib import Path

from glmtui.core.catalog import load_catalog
from glmtui.core.fit import KvShape, estimate, kv_shape
from glmtui.core.units import GIB
from glmtui.simulator.catalogue import SPECS

GLM_INFO = SPECS["glm-4.7-flash:q4_K_M"].model_info()  # the simulator's /api/show model_info


def test_kv_shape_from_model_info() -> None:
    assert kv_shape(GLM_INFO) == KvShape(layers=47, kv_heads=1, key_length=576, value_length=512)


def test_kv_shape_falls_back_to_embedding_over_heads() -> None:
    info = {
        "general.architecture": "llama",
        "llama.block_count": 32,
        "llama.attention.head_count": 32,
        "llama.attention.head_count_kv": 8,
        "llama.embedding_length": 4096,
    }
    assert kv_shape(info) == KvShape(32, 8, 128, 128)


def test_kv_shape_missing_pieces_is_none() -> None:
    assert kv_shape({}) is None
    assert kv_shape({"general.architecture": "x", "x.block_count": 10}) is None


def test_glm_q4_at_4k_fits_a_24_gib_card() -> None:
    # 47 layers × 4096 tokens × 1 KV head × (576 + 512) × 2 bytes = 418,906,112 bytes of cache.
    shape = kv_shape(GLM_INFO)
    assert shape is not None and shape.cache_bytes(4096) == 418_906_112
    fit = estimate(19_016_555_648, shape, 4096, vram_total=24 * GIB, vram_free=23 * GIB)
    assert fit.kind == "fits" and fit.needed == 19_435_461_760
    assert fit.describe() == "fits (18.1 of 24 GiB)"


def test_qwen3_coder_at_32k() -> None:
    # 48 × 32768 × 4 × (128 + 128) × 2 = 3 GiB exactly.
    shape = KvShape(48, 4, 128, 128)
    assert shape.cache_bytes(32768) == 3 * GIB
    fit = estimate(18_556_686_208, shape, 32768, vram_total=24 * GIB, vram_free=10 * GIB)
    assert fit.kind == "fits"
    assert fit.describe() == "fits (20.3 of 24 GiB); 10.0 GiB free now, so other models would unload"


def test_gpt_oss_120b_on_one_24_gib_card_is_a_partial_offload() -> None:
    # 36 × 8192 × 8 × (64 + 64) × 2 = 603,979,776; needed 65,894,160,448 bytes (61.4 GiB);
    # (needed − 24 GiB) / needed = 0.609.
    fit = estimate(
        65_290_180_672,
        KvShape(36, 8, 64, 64),
        8192,
        vram_total=24 * GIB,
        vram_free=24 * GIB,
        ram_free=64 * GIB,
    )
    assert fit.kind == "partial" and fit.needed == 65_894_160_448
    assert round(fit.cpu_fraction, 3) == 0.609
    assert fit.describe() == "partial offload ≈ 61% on CPU — expect it slower"


def test_wont_fit_even_with_ram() -> None:
    fit = estimate(60 * GIB, None, 4096, vram_total=8 * GIB, vram_free=8 * GIB, ram_free=16 * GIB)
    assert fit.kind == "wont"
    assert fit.describe() == "won't fit (needs 60.0 GiB; 8 GiB VRAM + 16 GiB free RAM)"


def test_no_gpu_information() -> None:
    assert estimate(1, None, 4096, vram_total=None, vram_free=None).describe() == "no GPU information"


def test_catalog_loads_and_covers_the_families() -> None:
    catalog = load_catalog()
    assert catalog.problems == ()
    assert {"glm-4.7-flash", "gpt-oss", "qwen3-coder"} <= set(catalog.families())
    q8 = catalog.find("GLM-4.7-flash:q8_0")
    assert q8 is not None and q8.quantization == "Q8_0" and q8.size_bytes == 32 * 10**9
    assert "thinking" in q8.capabilities
    assert len({v.tag for v in catalog.variants}) == len(catalog.variants)  # one entry per tag


def test_catalog_bad_entries_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(
        '[[variant]]\nfamily = "x"\ntag = "x:1b"\nquantization = "Q4"\nparameters = "1B"\n'
        'size_gb = 1\ncontext = 2048\n\n[[variant]]\nfamily = "y"\ntag = "nocolon"\n'
        'quantization = "Q4"\nparameters = "1B"\nsize_gb = -1\ncontext = 2048\n'
    )
    catalog = load_catalog(path)
    assert [v.tag for v in catalog.variants] == ["x:1b"]
    assert len(catalog.problems) == 1 and "variant #2" in catalog.problems[0]
    assert load_catalog(tmp_path / "missing.toml").problems
