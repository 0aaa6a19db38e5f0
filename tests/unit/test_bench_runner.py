"""The bench runner against the simulators over real sockets: warm and cold, labels, calibration,
failures mid-run, cancellation, the fit check, the NVML peak and the store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from glmtui.core.bench import BenchPlan, CellResult, within
from glmtui.core.bench_export import RunInfo
from glmtui.core.fit import Machine
from glmtui.core.units import GIB
from glmtui.services import bench_store
from glmtui.services.bench import (
    CLIENT_READ_BATCH_S,
    EXACT_READ_BATCH_S,
    BenchEvent,
    BenchFinished,
    BenchRunner,
    BenchTarget,
    CellDone,
    RepDone,
)
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.openai import OpenAIEngine
from glmtui.services.engines.pacing import READ_BATCH_S
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.nvml import LIBRARY_NOT_FOUND
from glmtui.services.store import Store
from glmtui.simulator import OpenAISimulator, Simulator

MODEL = "glm-4.7-flash"


def plan(**changes: object) -> BenchPlan:
    values: dict[str, object] = {
        "models": (MODEL,),
        "endpoints": ("desk",),
        "contexts": (128,),
        "gen": 8,
        "max_reps": 5,
    }
    return BenchPlan(**(values | changes))  # type: ignore[arg-type]


def chats(sim: Simulator | OpenAISimulator) -> list[dict[str, object]]:
    path = "/api/chat" if isinstance(sim, Simulator) else "/v1/chat/completions"
    return [body for method, p, body in sim.requests if p == path and body and body.get("messages")]


async def run(runner: BenchRunner) -> list[CellResult]:
    try:
        return await runner.run()
    finally:
        for target in runner.targets.values():
            await target.engine.close()


async def test_warm_cells_on_ollama_are_exact_calibrated_and_never_cache_hits(sim: Simulator) -> None:
    events: list[BenchEvent] = []
    runner = BenchRunner(
        plan(contexts=(128, 600)), [BenchTarget("desk", OllamaService(sim.url))], on_event=events.append
    )
    cells = await run(runner)
    assert [c.prompt_tokens for c in cells] == [128, 600]
    for cell in cells:
        assert cell.error is None and cell.label == "exact" and not cell.cold
        assert 3 <= len(cell.reps) <= 5 and cell.decode_tps.runs == len(cell.reps)
        assert cell.prefill_tps.median is not None and cell.ttft_s.median is not None
        assert cell.prompt_tokens_measured is not None and within(
            cell.prompt_tokens, cell.prompt_tokens_measured
        )
        assert cell.memory_bytes and cell.size_vram is not None and cell.processor.endswith(("GPU", "CPU"))
        assert cell.server_version == sim.version and cell.digest
        assert cell.nvml_peak_bytes is None and cell.nvml_note  # no NVML given: unknown, never 0
    prompts = [body["messages"][0]["content"] for body in chats(sim)]  # type: ignore[index]
    assert len(prompts) == len(set(prompts))  # a distinct prefix every request: no prompt-cache hit
    options = chats(sim)[-1]["options"]
    assert options["temperature"] == 0 and options["seed"] == 42 and options["num_predict"] == 8  # type: ignore[index]
    assert options["num_ctx"] >= 600 + 8  # type: ignore[index]
    assert sum(isinstance(e, RepDone) for e in events) == sum(len(c.reps) for c in cells)
    assert isinstance(events[-1], BenchFinished) and not events[-1].stopped


async def test_cold_cells_unload_before_every_run(sim: Simulator) -> None:
    runner = BenchRunner(plan(cold=True, max_reps=3), [BenchTarget("desk", OllamaService(sim.url))])
    (cell,) = await run(runner)
    unloads = [b for m, p, b in sim.requests if p == "/api/chat" and b and b.get("keep_alive") == 0]
    assert cell.cold and len(unloads) == len(cell.reps) == 3
    assert cell.load_s.runs == 3 and cell.load_s.median is not None and not cell.load_note


async def test_openai_engine_is_client_timed_and_says_cold_is_not_available() -> None:
    with OpenAISimulator("vllm", rate=2000.0) as node:
        engine = OpenAIEngine(node.url, flavour="vllm")
        target = BenchTarget("node1", engine, local=False)
        runner = BenchRunner(plan(cold=True, max_reps=3, endpoints=("node1",)), [target])
        (cell,) = await run(runner)
        bodies = chats(node)
    assert cell.error is None and cell.label == "client-timed" and cell.engine == "vLLM"
    assert cell.load_note == "cold start not available on vLLM" and cell.load_s.runs == 0
    assert cell.memory_bytes is None and cell.processor == "unknown"
    assert cell.nvml_peak_bytes is None and cell.nvml_note == "not this machine's GPU"
    measured = bodies[-1]
    assert measured["ignore_eos"] is True and measured["min_tokens"] == 8 and measured["max_tokens"] == 8
    assert "min_tokens" not in bodies[0]  # the calibration probe asks for one token only


class NotingBatches:
    """An engine passed through whole, noting the read pause each chat is asked for."""

    def __init__(self, engine: OllamaService | OpenAIEngine) -> None:
        self.engine = engine
        self.batches: set[object] = set()

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def chat(self, *args: object, **kwargs: object) -> object:
        self.batches.add(kwargs.get("read_batch_s"))
        return self.engine.chat(*args, **kwargs)  # type: ignore[arg-type]


async def test_exact_replies_are_read_in_longer_batches_client_timed_ones_without_a_pause(
    sim: Simulator,
) -> None:
    # Nothing is drawn and Ollama times its own replies: only the first chunk (the TTFT) is on glmtui's
    # clock, and it is never held back. A client-timed decode rate ends at the last token as read: a
    # pause before that read would be counted in the decode time.
    desk = NotingBatches(OllamaService(sim.url))
    with OpenAISimulator("vllm", rate=2000.0) as node:
        vllm = NotingBatches(OpenAIEngine(node.url, flavour="vllm"))
        targets = [BenchTarget("desk", desk), BenchTarget("node1", vllm, local=False)]  # type: ignore[arg-type]
        cells = await run(BenchRunner(plan(max_reps=3, endpoints=("desk", "node1")), targets))
    assert [c.error for c in cells] == [None, None]
    assert desk.batches == {EXACT_READ_BATCH_S} and vllm.batches == {CLIENT_READ_BATCH_S}
    assert EXACT_READ_BATCH_S > READ_BATCH_S and CLIENT_READ_BATCH_S == 0


async def test_an_engine_that_goes_away_keeps_finished_cells_and_marks_the_rest(sim: Simulator) -> None:
    def stop_after_first(event: BenchEvent) -> None:
        if isinstance(event, CellDone) and event.index == 0:
            sim.stop()

    runner = BenchRunner(
        plan(contexts=(128, 256, 512), max_reps=3),
        [BenchTarget("desk", OllamaService(sim.url))],
        on_event=stop_after_first,
    )
    first, second, third = await run(runner)
    assert first.error is None and len(first.reps) == 3
    assert second.error and "Cannot reach" in second.error
    assert third.skipped and third.error and "desk went away" in third.error
    assert "not run" not in third.error  # the table and the CLI say "skipped": the reason says why


async def test_cancelling_keeps_finished_cells(sim: Simulator, tmp_path: Path) -> None:
    events: list[BenchEvent] = []
    saved: list[CellResult] = []

    async def save(cell: CellResult) -> None:
        saved.append(cell)

    runner = BenchRunner(
        plan(contexts=(128, 256, 512)),
        [BenchTarget("desk", OllamaService(sim.url))],
        on_event=events.append,
        save=save,
    )
    task = asyncio.ensure_future(run(runner))

    def cancel(event: BenchEvent) -> None:
        events.append(event)
        if isinstance(event, RepDone) and event.index == 1 and event.rep == 2:
            task.cancel()

    runner.on_event = cancel
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [c.prompt_tokens for c in runner.results] == [128, 256]
    assert runner.results[0].error is None and runner.results[1].error == "stopped after 2 run(s)"
    assert saved == runner.results
    assert isinstance(events[-1], BenchFinished) and events[-1].stopped


async def test_unknown_model_names_the_installed_ones_nearby(sim: Simulator) -> None:
    runner = BenchRunner(plan(models=("glm-4.7-flsh:q4",)), [BenchTarget("desk", OllamaService(sim.url))])
    (problem,) = await runner.preflight()
    assert problem.kind == "unknown-model" and problem.skip
    assert "glm-4.7-flsh:q4" in problem.message and "glm-4.7-flash" in problem.message
    (cell,) = await run(runner)
    assert cell.skipped and cell.error == problem.message and not chats(sim)


TINY = Machine(2 * GIB, 2 * GIB, 1 * GIB, "1× tiny", (2 * GIB,))


async def test_a_model_that_does_not_fit_is_skipped_unless_forced(sim: Simulator) -> None:
    runner = BenchRunner(plan(), [BenchTarget("desk", OllamaService(sim.url))], machine=TINY)
    (problem,) = await runner.preflight()
    assert problem.kind == "wont-fit" and problem.skip and "--force" in problem.message
    (cell,) = await run(runner)
    assert cell.skipped and "won't fit" in (cell.error or "") and not chats(sim)

    forced = BenchRunner(
        plan(force=True, max_reps=3), [BenchTarget("desk", OllamaService(sim.url))], machine=TINY
    )
    (problem,) = await forced.preflight()
    assert not problem.skip and "runs anyway" in problem.message
    (cell,) = await run(forced)
    assert cell.error is None and len(cell.reps) == 3


async def test_nvml_peak_on_this_machine(sim: Simulator) -> None:
    gpu = ScriptedGpu(name="NVIDIA H100 80GB HBM3", memory_total=80 * GIB, memory_used=20 * GIB)
    runner = BenchRunner(
        plan(max_reps=3), [BenchTarget("desk", OllamaService(sim.url))], nvml=ScriptedNvml([gpu])
    )
    (cell,) = await run(runner)
    assert cell.nvml_peak_bytes == 20 * GIB and runner.gpus == ("NVIDIA H100 80GB HBM3",)

    missing = ScriptedNvml(init_error=LIBRARY_NOT_FOUND)
    runner = BenchRunner(plan(max_reps=3), [BenchTarget("desk", OllamaService(sim.url))], nvml=missing)
    (cell,) = await run(runner)
    assert cell.nvml_peak_bytes is None and "No NVIDIA GPU" in cell.nvml_note


async def test_store_keeps_each_cell_as_it_finishes_and_the_runs_for_comparison(
    sim: Simulator, tmp_path: Path
) -> None:
    store = Store(tmp_path / "glmtui.db")
    first = bench_store.start_run(store, RunInfo(1.0, ("RTX 4090",), "0.1.0", {"gen": 8}))
    runner = BenchRunner(plan(max_reps=3), [BenchTarget("desk", OllamaService(sim.url))])

    async def save(cell: CellResult) -> None:
        await asyncio.to_thread(bench_store.save_cell, store, first, cell)
        loaded = bench_store.load_run(store, first)
        assert loaded is not None and loaded[1][-1].decode_tps == cell.decode_tps  # saved at once

    runner.save = save
    (cell,) = await run(runner)
    bench_store.finish_run(store, first, "done", ("NVIDIA RTX 4090",))
    second = bench_store.start_run(store, RunInfo(2.0))
    info, cells = bench_store.load_run(store, first) or (None, [])
    assert info is not None and info.status == "done" and info.gpus == ("NVIDIA RTX 4090",)
    assert cells[0].decode_tps == cell.decode_tps and cells[0].digest == cell.digest
    earlier = bench_store.earlier_cells(store, [MODEL], before_run=second)
    assert [s.cell.server_version for s in earlier] == [sim.version] and earlier[0].created_at == 1.0
    assert bench_store.earlier_cells(store, [MODEL], before_run=first) == []
    assert [r.run_id for r in bench_store.runs(store)] == [second, first]
    store.close()
