"""The bench screen's results view on fixed data: an earlier run reopened (table, comparison lines
against the run before it, both charts), its cells built directly rather than timed, so the snapshot is
deterministic."""

from __future__ import annotations

import time
from pathlib import Path

from textual.pilot import Pilot

from glmtui.core.bench import CellResult, summarize
from glmtui.core.bench_export import RunInfo
from glmtui.core.units import GIB
from glmtui.screens.bench import BenchScreen
from glmtui.screens.bench.results import ResultsView
from glmtui.services import bench_store
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from tests.helpers import wait_until
from tests.snapshots.test_screen_snapshots import app_on, online

JAN = time.mktime((2026, 1, 15, 9, 30, 0, 0, 0, -1))
Q4, Q8 = "glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0"


def cell(model: str, tokens: int, decode: float, memory_gib: float, version: str) -> CellResult:
    found = CellResult(
        model,
        "desk",
        "ollama",
        tokens,
        128,
        prefill_tps=summarize([decode * 30, decode * 31, decode * 29]),
        decode_tps=summarize([decode, decode * 1.01, decode * 0.99]),
        ttft_s=summarize([tokens / 4000, tokens / 3900, tokens / 4100]),
        load_s=summarize([0.0, 0.0, 0.0]),
        memory_bytes=int(memory_gib * GIB),
        size_vram=int(memory_gib * GIB),
        processor="100% GPU",
        nvml_peak_bytes=int((memory_gib + 1) * GIB),
        server_version=version,
    )
    return found


def seed(path: Path) -> int:
    store = Store(path)
    try:
        run_id = 0
        for when, version, slow in ((JAN - 86400, "0.14.3", 1.04), (JAN, "0.15.0", 1.0)):
            info = RunInfo(when, ("NVIDIA GeForce RTX 4090",), plan={"models": [Q4, Q8]})
            run_id = bench_store.start_run(store, info)
            for model, base, memory in ((Q4, 120.0, 19.0), (Q8, 90.0 / slow, 31.0)):
                for tokens, drop in ((512, 1.0), (4096, 0.9), (16384, 0.7)):
                    bench_store.save_cell(
                        store, run_id, cell(model, tokens, base * drop, memory + tokens / 8192, version)
                    )
            gone = CellResult(Q8, "node1", "vLLM", 512, 128, label="client-timed", skipped=True)
            gone.error = "node1 went away (Cannot reach http://node1:8000)"  # as the runner words it
            bench_store.save_cell(store, run_id, gone)
            bench_store.finish_run(store, run_id, "failed", ("NVIDIA GeForce RTX 4090",))  # as stored
        return run_id
    finally:
        store.close()


def test_an_earlier_run_reopened_with_its_table_comparisons_and_charts(
    snap_compare, sim: Simulator, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run_id = seed(tmp_path / "glmtui.db")
    app = app_on(sim, tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await pilot.press("f6")
        await wait_until(lambda: isinstance(app.screen, BenchScreen), what="the bench screen")
        screen = app.screen
        assert isinstance(screen, BenchScreen)
        screen.query_one("#bench-tabs").active = "bench-runs"  # type: ignore[attr-defined]
        await wait_until(lambda: len(screen.saved_rows) == 2, what="the runs listed")
        screen.open_run(run_id)
        view = screen.query_one("#bench-saved", ResultsView)
        await wait_until(lambda: len(view.cells) == 7, what="the run opened")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 50), run_before=run_before)
