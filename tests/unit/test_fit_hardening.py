"""Hostile review of issue 13's fit, settings and load checks: each test pins a problem found.

Each test failed before its fix (they were filed as strict xfails, the markers removed with the fixes).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from rich.text import Text

from glmtui.core.catalog import load_catalog
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine, need_for
from glmtui.core.load_check import Correction
from glmtui.core.server_settings import ServerSettings, default_context, settings_from_env
from glmtui.core.state import LoadedModel, ModelDetails, ModelInfo, OllamaSnapshot
from glmtui.core.units import GIB
from glmtui.services.load_checks import LoadChecker
from glmtui.services.store import Store
from glmtui.widgets.model_details import installed_text
from glmtui.widgets.model_rows import row_fit

CATALOG = load_catalog()
MACHINE_24 = Machine(24 * GIB, 22 * GIB, 64 * GIB, "1× RTX 4090", (24 * GIB,))


# -- 1. OLLAMA_NUM_PARALLEL multiplies the cache of architectures Ollama always runs with one slot ------


@pytest.mark.parametrize("tag", ["qwen3.5:27b", "qwen3.5:35b-a3b", "nemotron-3-nano:30b-a3b"])
def test_parallel_slots_are_not_counted_for_single_slot_architectures(tag: str) -> None:
    variant = CATALOG.find(tag)
    assert variant is not None and variant.info is not None
    one = need_for(variant.size_bytes, variant.info, variant.kv, 32768, variant.context, ServerSettings())
    four = need_for(
        variant.size_bytes, variant.info, variant.kv, 32768, variant.context, ServerSettings(num_parallel=4)
    )
    # sched.go: `if slices.Contains([...,"qwen35","qwen35moe",...,"nemotron_h_moe",...], family) &&
    # numParallel != 1 { numParallel = 1 }` — the server loads these with one slot whatever the env says.
    assert four.kv == one.kv and four.total == one.total


# -- 2. A stored correction is applied without checking its ratio -----------------------------------------


@pytest.mark.parametrize("ratio", [math.inf, math.nan])
def test_a_non_finite_correction_does_not_crash_the_fit(ratio: float) -> None:
    variant = CATALOG.find("qwen3:8b")
    assert variant is not None
    correction = Correction("d", "qwen3:8b", ratio, 4096, GIB, 0.0)
    row = row_fit(MACHINE_24, None, variant.size_bytes, variant.info, variant.kv, variant.context,
                  correction=correction)  # fmt: skip
    assert row.fit.kind in ("fits", "partial", "wont")


def test_stored_ratios_outside_the_trusted_range_are_not_applied(tmp_path: Path) -> None:
    store = Store(tmp_path / "history.db")
    for digest, ratio in (("inf", math.inf), ("zero", 0.0), ("neg", -1.0), ("big", 50.0), ("ok", 1.02)):
        store.save_correction(Correction(digest, digest, ratio, 4096, GIB, 1.0))
    checker = LoadChecker(
        None,  # type: ignore[arg-type]  # not asked: only the stored corrections are read
        settings=ServerSettings,
        save=lambda correction: None,  # type: ignore[arg-type,return-value]
        publish=lambda checks: None,
    )
    checker.remember(store.corrections())
    store.close()
    assert checker.correction("ok") is not None
    assert [d for d in ("inf", "zero", "neg", "big") if checker.correction(d) is not None] == []


# -- 3. A source-built Ollama reports version 0.0.0 --------------------------------------------------------


def test_a_development_build_version_is_not_taken_for_an_ancient_server() -> None:
    glm = CATALOG.find("glm-4.7-flash:q4_K_M")
    assert glm is not None
    assert glm.needs_newer("0.0.0") is None  # unknown: do not refuse
    assert default_context(ServerSettings(version="0.0.0"), (24 * GIB,)).tokens == 32768


# -- 4. Server environment values that crash the parser ---------------------------------------------------


@pytest.mark.parametrize("name", ["OLLAMA_NUM_PARALLEL", "OLLAMA_CONTEXT_LENGTH", "OLLAMA_GPU_OVERHEAD"])
def test_non_ascii_digits_in_the_servers_environment_fall_back_to_the_default(name: str) -> None:
    settings, problems = settings_from_env({name: "²"})
    assert settings == settings_from_env({})[0]
    assert problems


def test_digits_go_does_not_parse_are_the_default_as_the_server_takes_them() -> None:
    settings, problems = settings_from_env({"OLLAMA_NUM_PARALLEL": "٣"})
    assert settings.num_parallel == 1 and problems


def test_a_modelfile_num_ctx_in_odd_digits_is_no_num_ctx() -> None:
    # '²'.isdigit() is True but int('²') raises: the models screen's fit would crash on such a line.
    from glmtui.core.server_settings import modelfile_num_ctx

    assert modelfile_num_ctx("num_ctx ²") is None and modelfile_num_ctx("num_ctx ٣") is None
    assert modelfile_num_ctx("num_ctx 8192") == 8192


def test_a_cache_type_llama_server_accepts_is_not_reported_as_f16() -> None:
    _, problems = settings_from_env({"OLLAMA_KV_CACHE_TYPE": "f32"}, "0.30.0")
    assert not any("uses f16" in problem for problem in problems)


# -- 5. Server text reaching the details pane unsanitised -------------------------------------------------


def test_model_info_text_is_sanitised_in_the_details_pane() -> None:
    hostile = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\u202eevil"
    details = ModelDetails("m:latest", model_info={"general.architecture": "llama", "general.name": hostile})
    fit = installed_text(ModelInfo("m:latest", 1), details, fit=Text())
    assert "\x1b" not in fit.plain and "\u202e" not in fit.plain


# -- 6. A transient /api/show failure loses the load's check for good -------------------------------------


class _FlakyLibrary:
    """`/api/tags` answers; `/api/show` fails once (a server busy loading), then answers."""

    def __init__(self) -> None:
        self.show_calls = 0

    async def installed(self) -> list[ModelInfo]:
        return [ModelInfo("m:latest", 4 * GIB, digest="d1")]

    async def details(self, name: str) -> ModelDetails:
        self.show_calls += 1
        if self.show_calls == 1:
            raise GlmTuiError("/api/show timed out")
        info = {"general.architecture": "llama", "llama.block_count": 32, "llama.attention.head_count": 32,
                "llama.attention.head_count_kv": 8, "llama.embedding_length": 4096}  # fmt: skip
        return ModelDetails(name, model_info=info)


async def test_a_load_whose_details_failed_once_is_checked_on_the_next_snapshot() -> None:
    library = _FlakyLibrary()
    published: list[object] = []

    async def save(correction: Correction) -> None:
        pass

    checker = LoadChecker(library, settings=ServerSettings, save=save, publish=published.append)  # type: ignore[arg-type]
    snapshot = OllamaSnapshot(True, (LoadedModel("m:latest", 5 * GIB, 5 * GIB, 8192, digest="d1"),))
    await checker.observe(snapshot)
    assert "m:latest" not in checker.checks  # the first try failed
    await checker.observe(snapshot)  # the server answers now
    assert "m:latest" in checker.checks


# -- 7. VRAM held by other programs counted as usable -------------------------------------------------


def test_vram_held_by_other_programs_is_not_counted_as_usable() -> None:
    from glmtui.core.fit import GPU_RESERVE, machine_from
    from glmtui.core.state import GpuProcess, GpuReading, GpuSnapshot, MonitorSample

    desktop = GpuProcess(1234, "Xorg", 3 * GIB)
    gpu = GpuReading(0, "NVIDIA GeForce RTX 4090", 3 * GIB, 24 * GIB, processes=(desktop,))
    machine = machine_from(MonitorSample(GpuSnapshot((gpu,))))
    usable = machine.usable()
    assert usable is not None and usable <= 21 * GIB - GPU_RESERVE
