"""The estimate against `/api/ps`: checks of real loads on the simulator, stored corrections."""

from __future__ import annotations

from pathlib import Path

import pytest

from glmtui.core.load_check import Correction, LoadCheck, check_load, correction_for
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import LoadedModel, ModelDetails, OllamaSnapshot
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.services.load_checks import LoadChecker
from glmtui.services.store import Store
from glmtui.simulator import Simulator

GIB = 1024**3


def test_check_text_ratio_and_trust() -> None:
    check = LoadCheck("glm-4.7-flash:q4_K_M", "abc", 32768, int(19.9 * GIB), int(19.7 * GIB), int(19.7 * GIB))
    assert check.text() == "estimated 19.9 GiB · loaded 19.7 GiB"
    assert round(check.ratio, 3) == 0.990 and check.usable
    assert round(check.error_percent(), 1) == 1.0
    correction = correction_for(check, 1.0)
    assert correction is not None and correction.describe() == (
        "corrected ×0.990 by the last load (19.7 GiB at 32,768 ctx)"
    )
    wild = LoadCheck("x", "d", 4096, GIB, 5 * GIB, 5 * GIB)
    assert not wild.usable and correction_for(wild, 1.0) is None  # a ratio of 5 corrects nothing


def test_no_check_without_what_it_needs() -> None:
    info = {"general.architecture": "llama", "llama.block_count": 2, "llama.attention.head_count": 2,
            "llama.embedding_length": 64}  # fmt: skip
    details = ModelDetails("m", model_info=info)
    assert check_load(LoadedModel("m", 10, 10, None, digest="d"), 5, details) is None  # old server
    assert check_load(LoadedModel("m", 10, 10, 4096, digest=""), 5, details) is None
    assert check_load(LoadedModel("m", 10, 10, 4096, digest="d"), 5, ModelDetails("m")) is None
    assert check_load(LoadedModel("m", 10, 10, 4096, digest="d"), 5, details) is not None


@pytest.mark.parametrize("context", [4096, 16384])
async def test_every_installed_model_is_estimated_within_10_percent_of_its_load(
    sim: Simulator, context: int
) -> None:
    service = OllamaService(sim.url)
    library = ModelLibrary(service)
    published: list[tuple[LoadCheck, ...]] = []
    saved: list[Correction] = []

    async def save(correction: Correction) -> None:
        saved.append(correction)

    checker = LoadChecker(library, settings=ServerSettings, save=save, publish=published.append)
    try:
        installed = await library.installed()
        assert len(installed) >= 3
        for model in installed:
            # Load it at this context through the official client, as the chat does.
            await service.client.chat(
                model=model.name, messages=[], options={"num_ctx": context}, keep_alive=-1
            )
            loaded = [m for m in await service.ps() if m.name == model.name]
            assert loaded and loaded[0].context_length == context
            await checker.observe(OllamaSnapshot(True, tuple(loaded)))
            check = checker.checks[model.name]
            assert check.context == context and check.measured == loaded[0].size
            assert check.error_percent() < 10, (model.name, check.text())
            await service.unload(model.name)
        assert {c.digest for c in saved} == {m.digest for m in installed}
        # The same load seen again is not checked (or stored) twice; an unload forgets its check.
        await checker.observe(OllamaSnapshot(True, ()))
        assert checker.checks == {} and published[-1] == ()
    finally:
        await service.close()


def test_corrections_are_kept_per_digest(tmp_path: Path) -> None:
    store = Store(tmp_path / "history.db")
    store.save_correction(Correction("d1", "glm-4.7-flash:q4_K_M", 0.99, 32768, 21 * GIB, 1.0))
    store.save_correction(Correction("d1", "glm-4.7-flash:latest", 1.01, 4096, 19 * GIB, 2.0))
    store.save_correction(Correction("d2", "gpt-oss:20b", 1.02, 8192, 13 * GIB, 3.0))
    store.close()
    again = Store(tmp_path / "history.db")
    found = {c.digest: c for c in again.corrections()}
    assert found["d1"] == Correction("d1", "glm-4.7-flash:latest", 1.01, 4096, 19 * GIB, 2.0)
    assert found["d2"].ratio == 1.02
    again.close()


async def test_hybrids_hidden_by_plain_show_are_checked_with_the_catalogues_shape() -> None:
    # Plain /api/show sends a hybrid's per-layer head_count_kv as null; the catalogue entry with the same
    # architecture, layer count and width stands in, and the estimate still lands within 10 %.
    from glmtui.core.catalog import load_catalog

    sim = Simulator(port=0, rate=2000.0, load_seconds=0.0, pull_seconds=0.05, vram_bytes=80 * GIB).start()
    service = OllamaService(sim.url)
    library = ModelLibrary(service)

    async def save(correction: Correction) -> None:
        pass

    checker = LoadChecker(
        library, settings=ServerSettings, catalog=load_catalog, save=save, publish=lambda checks: None
    )
    try:
        for name in ("qwen3.5:35b-a3b", "qwen3.5:27b", "nemotron-3-nano:30b-a3b"):
            async for _ in library.pull(name):
                pass
            details = await library.details(name)
            assert (
                details.model_info[f"{details.model_info['general.architecture']}.attention.head_count_kv"]
                is None
            )
            await service.client.chat(model=name, messages=[], options={"num_ctx": 32768})
            loaded = tuple(m for m in await service.ps() if m.name == name)
            await checker.observe(OllamaSnapshot(True, loaded))
            check = checker.checks[name]
            assert check.error_percent() < 10, (name, check.text())
            await service.unload(name)
    finally:
        await service.close()
        sim.stop()
