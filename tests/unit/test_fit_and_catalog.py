"""The variant catalogue (the fit rules are pinned in test_kv_rules.py)."""

from __future__ import annotations

from pathlib import Path

from glmtui.core.catalog import load_catalog


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


def test_catalog_entry_with_shape_and_minimum_version(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(
        '[[variant]]\nfamily = "glm-4.7-flash"\ntag = "glm-4.7-flash:q4_K_M"\nquantization = "Q4_K_M"\n'
        'parameters = "30B"\nsize_gb = 19\ncontext = 202752\nmin_ollama = "0.14.3"\napproximate = false\n'
        '[variant.info]\n"general.architecture" = "glm4moelite"\n"glm4moelite.block_count" = 47\n'
        '"glm4moelite.attention.head_count_kv" = 20\n"glm4moelite.attention.kv_lora_rank" = 512\n'
        '"glm4moelite.rope.dimension_count" = 64\n'
        '\n[[variant]]\nfamily = "x"\ntag = "x:1b"\nquantization = "Q4"\nparameters = "1B"\n'
        'size_gb = 1\ncontext = 2048\nmin_ollama = "soon"\n'
    )
    catalog = load_catalog(path)
    assert len(catalog.problems) == 1 and "min_ollama" in catalog.problems[0]
    glm = catalog.find("glm-4.7-flash:q4_K_M")
    assert glm is not None and glm.kv is not None and glm.kv.per_token == 576 and not glm.approximate
    why = glm.needs_newer("0.13.0")
    assert why == "glm-4.7-flash:q4_K_M needs Ollama 0.14.3 or newer; the server is 0.13.0"
    assert glm.needs_newer("0.14.3") is None
    assert glm.needs_newer("") is None  # unknown: no claim either way


def test_shape_like_matches_architecture_layers_and_width() -> None:
    catalog = load_catalog()
    shown = {  # qwen3.5:27b as plain /api/show sends it: the per-layer array elided
        "general.architecture": "qwen35",
        "qwen35.block_count": 64,
        "qwen35.embedding_length": 5120,
        "qwen35.attention.head_count_kv": None,
    }
    shape = catalog.shape_like(shown)
    assert shape is not None and (shape.layers, shape.recurrent_layers) == (16, 48)
    assert catalog.shape_like({**shown, "qwen35.block_count": 40}) is None  # no such qwen35 size
    assert catalog.shape_like(None) is None
