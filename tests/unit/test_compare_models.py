"""The compare screen's model resolution as plain functions, and the blind shuffle as one swap."""

from __future__ import annotations

import dataclasses

from glmtui.core.catalog import load_catalog
from glmtui.core.fit import Machine, need_for
from glmtui.core.state import ModelDetails, PullProgress
from glmtui.core.units import GIB
from glmtui.screens.compare.models import (
    check_model,
    default_partner,
    fill_models,
    need,
    pull_target,
    pull_update,
    run_mode,
)
from glmtui.services.compare import PaneModel
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.simulator import Simulator
from glmtui.widgets.compare_pane import ComparePane

GLM, GLM_Q8, GPT, QWEN = "glm-4.7-flash:latest", "glm-4.7-flash:q8_0", "gpt-oss:20b", "qwen3-coder:30b"
CATALOG = load_catalog()


def machine(vram_gib: int | None) -> Machine:
    total = vram_gib * GIB if vram_gib else None
    return Machine(total, total, None, "test")


def test_default_partner_prefers_the_same_family_then_the_next_model_then_itself() -> None:
    assert default_partner(GLM, [GLM, GPT, "glm-4.7-flash:q4_K_M"]) == "glm-4.7-flash:q4_K_M"
    assert default_partner(GLM, [GLM, GPT, QWEN]) == GPT
    assert default_partner(GLM, [GLM]) == GLM
    assert default_partner(GLM, []) == GLM


def test_fill_models_only_fills_the_sides_nobody_named() -> None:
    a, b = PaneModel(""), PaneModel("")
    fill_models(a, b, GLM, [GLM, GPT])
    assert (a.model, b.model) == (GLM, GPT)
    a, b = PaneModel(QWEN), PaneModel(GLM)
    fill_models(a, b, GPT, [GLM, GPT, QWEN])
    assert (a.model, b.model) == (QWEN, GLM)


def test_need_is_the_weights_plus_the_kv_cache_at_the_panes_context() -> None:
    variant = CATALOG.find(GLM_Q8)
    assert variant is not None and variant.kv is not None
    assert need(PaneModel(GLM_Q8), CATALOG) is None  # size unknown
    state = PaneModel(GLM_Q8, options={"num_ctx": 8192}, weights=variant.size_bytes)
    expected = need_for(variant.size_bytes, variant.info, variant.kv, 8192, None)
    assert expected.kv and need(state, CATALOG) == expected.total
    assert expected.total == variant.size_bytes + expected.kv + expected.graph
    # /api/show's context length caps the context counted.
    state.details = ModelDetails(GLM_Q8, context_length=2048)
    assert need(state, CATALOG) == need_for(variant.size_bytes, None, variant.kv, 8192, 2048).total
    # Without num_ctx, Ollama's smallest default context (the least the pair will need).
    state = PaneModel(GLM_Q8, weights=variant.size_bytes)
    assert need(state, CATALOG) == need_for(variant.size_bytes, variant.info, variant.kv, 4096, None).total


def test_run_mode_is_parallel_only_when_both_fit_together() -> None:
    small_a, small_b = PaneModel(GLM, weights=5 * GIB), PaneModel(GPT, weights=6 * GIB)
    assert run_mode(small_a, small_b, machine(80), CATALOG)[0] == "parallel"
    mode, reason = run_mode(small_a, small_b, machine(8), CATALOG)
    assert mode == "sequential" and "one at a time" in reason
    mode, reason = run_mode(small_a, small_b, machine(None), CATALOG)
    assert mode == "sequential" and "no GPU information" in reason
    mode, reason = run_mode(small_a, PaneModel(QWEN), machine(80), CATALOG)
    assert mode == "sequential" and "size is unknown" in reason
    mode, reason = run_mode(small_a, PaneModel(GLM, weights=5 * GIB), machine(8), CATALOG)
    assert mode == "parallel" and "one model serves both" in reason


def test_pull_update_reports_a_pulls_end_once_and_ignores_installed_models() -> None:
    state = PaneModel(GLM_Q8, installed=False)
    assert pull_update(state, [PullProgress(GLM_Q8, "pulling")]) is None
    assert state.pull is not None and state.pull.state == "pulling"
    done = PullProgress(GLM_Q8, "done")
    assert pull_update(state, [done]) is done and state.pull is done
    assert pull_update(state, [done]) is None  # already seen
    assert pull_update(state, []) is None and state.pull is None
    installed = PaneModel(GLM, installed=True)
    assert pull_update(installed, [PullProgress(GLM, "done")]) is None and installed.pull is None


def test_pull_target_is_the_first_missing_side_or_why_none() -> None:
    a, b = PaneModel(GLM, installed=True), PaneModel(GLM_Q8, installed=None)
    assert pull_target([a, b]) == "Still checking which models are installed."
    b.installed = True
    assert pull_target([a, b]) == "Both models are installed."
    a.installed = b.installed = False
    assert pull_target([b, a]) is b  # the focused side first


async def test_check_model_against_the_simulator(sim: Simulator) -> None:
    service = OllamaService(sim.url)
    library = ModelLibrary(service)
    installed = await library.installed()
    state = PaneModel(GPT)
    assert await check_model(state, installed, library, CATALOG, host=sim.url, hidden=False) is None
    size = next(m.size for m in installed if m.name == GPT)
    assert state.installed is True and state.weights == size
    assert state.details is not None and state.details.can_think and state.details.model_info

    missing = PaneModel(GLM_Q8, details=state.details)
    notice = await check_model(missing, installed, library, CATALOG, host=sim.url, hidden=False)
    variant = CATALOG.find(GLM_Q8)
    assert variant is not None
    assert missing.installed is False and missing.details is None and missing.weights == variant.size_bytes
    assert notice is not None and not notice.toast and notice.style == "bold"
    assert f"{GLM_Q8} is not installed on {sim.url} (32 GB download)" in notice.text and "F7" in notice.text
    hidden = await check_model(PaneModel(GLM_Q8), installed, library, CATALOG, host=sim.url, hidden=True)
    assert hidden is not None and GLM_Q8 not in hidden.text and "This pane's model" in hidden.text

    unknown = PaneModel("llama9:404b")
    notice = await check_model(unknown, installed, library, CATALOG, host=sim.url, hidden=False)
    assert unknown.weights is None and notice is not None and "GB download" not in notice.text


def test_the_blind_shuffle_swaps_everything_about_the_models() -> None:
    service = OllamaService("http://127.0.0.1:1")
    details = ModelDetails(GLM, capabilities=("thinking",), context_length=1000)
    first = PaneModel(GLM, "high", {"num_ctx": 8192}, details, 5 * GIB, True, None, endpoint="desk")
    second = PaneModel(
        GLM_Q8, "off", {"temperature": 0.2}, None, 32 * GIB, False, PullProgress(GLM_Q8), endpoint="node1"
    )
    a = ComparePane("a", service, first, system=None, keep_alive=None)
    b = ComparePane("b", service, second, system=None, keep_alive=None)
    a.state, b.state = b.state, a.state
    assert a.state is second and b.state is first
    assert (a.model, a.installed, b.model, b.installed) == (GLM_Q8, False, GLM, True)
    assert a.request().options == {"temperature": 0.2} and b.request().options == {"num_ctx": 8192}
    assert b.think is not None and a.request().model == GLM_Q8
    # The endpoint goes with its model: the side streams through the engine of its new endpoint.
    assert (a.endpoint, b.endpoint, a.request().endpoint) == ("node1", "desk", "node1")
    # Everything a PaneModel holds identifies a model; the pane keeps nothing of its own about one.
    assert {f.name for f in dataclasses.fields(PaneModel)} == {
        "model",
        "think_pref",
        "options",
        "details",
        "weights",
        "installed",
        "pull",
        "think_chosen",
        "endpoint",
        "pull_refused",
    }
    assert not {"details", "weights", "pull", "settings"} & set(vars(a))
