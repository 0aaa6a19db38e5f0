"""The bench screen (F6) against the simulator: a small bench to the end (table, saved run, reopened,
exported as JSON), Esc mid-run keeps the finished cells, and the won't-fit question. Tiny prompts, 8
generated tokens, 3 runs at most, a fast simulator: each flow is a second or two."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, SelectionList, TabbedContent

from glmtui.core.state import SystemReading
from glmtui.core.units import GIB
from glmtui.screens.bench import BenchScreen
from glmtui.screens.bench.dialogs import ExportScreen
from glmtui.screens.bench.results import ResultsView
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.services import bench_store
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from glmtui.simulator.faults import Fault
from tests.fakes import ScriptedSystem, scripted_sampler
from tests.helpers import make_app, ready, wait_until

GLM, QWEN = "glm-4.7-flash:latest", "qwen3-coder:30b"


@pytest.fixture(autouse=True)
def scripted_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's own NVML reads a scripted GPU, never this machine's."""
    monkeypatch.setenv("GLMTUI_SCRIPTED_GPU", "1")


async def open_bench(pilot: Pilot[None], models: tuple[str, ...], contexts: str = "64,128") -> BenchScreen:
    app = pilot.app
    await pilot.press("f6")
    await wait_until(lambda: isinstance(app.screen, BenchScreen), what="the bench screen")
    screen = app.screen
    assert isinstance(screen, BenchScreen)
    picker = screen.query_one("#bench-models", SelectionList)
    assert app.focused is picker  # the first thing to do is pick models (not the tab bar)
    await wait_until(lambda: picker.option_count > 0, what="the models listed")
    picker.deselect_all()
    for index in range(picker.option_count):
        if picker.get_option_at_index(index).value.model in models:
            picker.select(picker.get_option_at_index(index).value)
    screen.query_one("#bench-contexts", Input).value = contexts
    screen.query_one("#bench-gen", Input).value = "8"
    screen.query_one("#bench-reps", Input).value = "3"
    return screen


async def start(pilot: Pilot[None], screen: BenchScreen) -> None:
    """Start as a keyboard user does (Tab to Start, Enter): the Run tab must come up and stay up
    (focus left on the hidden Setup pane's button used to bring the Setup tab straight back)."""
    screen.query_one("#bench-start", Button).focus()
    await pilot.press("enter")
    await wait_until(lambda: screen.run_state is not None, what="the bench to start")
    await pilot.pause()
    assert screen.query_one("#bench-tabs", TabbedContent).active == "bench-run"


async def test_a_small_bench_runs_to_the_end_is_saved_reopened_and_exported(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(sim.url, store_path=tmp_path / "h.db", model=GLM)
    async with app.run_test(size=(140, 50)) as pilot:
        await ready(app)
        screen = await open_bench(pilot, (GLM,))
        await start(pilot, screen)
        state = screen.run_state
        assert state is not None
        await wait_until(lambda: not state.active, timeout=30, what="the bench to finish")
        assert [c.prompt_tokens for c in state.cells] == [64, 128]
        assert all(c.error is None and 3 <= len(c.reps) <= 3 for c in state.cells)
        table = screen.query_one("#bench-live", ResultsView).table_text()
        assert table.count(GLM) == 2 and "exact" in table and " | 3 | " in table  # the runs column
        assert "Bench finished: 2 cell(s) measured, saved." in str(
            screen.query_one("#bench-current").render()
        )

        # Saved as it went: the Earlier runs tab lists it; opening it shows the same table.
        await pilot.press("ctrl+s")
        await wait_until(lambda: isinstance(app.screen, ExportScreen), what="the export dialog")
        target = tmp_path / "out" / "bench.json"
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_until(lambda: target.exists() and app.screen is screen, what="the export written")
        document = json.loads(target.read_text(encoding="utf-8"))
        assert [c["prompt_tokens"] for c in document["cells"]] == [64, 128]
        assert document["cells"][0]["decode_tps"]["runs"] == 3 and document["cells"][0]["label"] == "exact"

        screen.query_one("#bench-tabs").active = "bench-runs"  # type: ignore[attr-defined]
        await wait_until(lambda: len(screen.saved_rows) == 1, what="the saved run listed")
        assert screen.saved_rows[0].run.status == "done" and screen.saved_rows[0].models == (GLM,)
        screen.open_run(screen.saved_rows[0].run.run_id or 0)
        saved = screen.query_one("#bench-saved", ResultsView)
        await wait_until(lambda: len(saved.cells) == 2, what="the earlier run opened")
        assert saved.table_text().count(GLM) == 2


async def test_esc_mid_run_stops_cleanly_and_keeps_the_finished_cells(sim: Simulator, tmp_path: Path) -> None:
    # The second model's first request stalls: the first model's cells are finished by then, and Esc
    # stops the bench while it waits (no race with a fast simulator).
    sim.inject(Fault("stall", seconds=30.0, model=QWEN))
    app = make_app(sim.url, store_path=tmp_path / "h.db", model=GLM)
    async with app.run_test(size=(140, 50)) as pilot:
        await ready(app)
        screen = await open_bench(pilot, (GLM, QWEN), contexts="64")
        await start(pilot, screen)
        state = screen.run_state
        assert state is not None
        await wait_until(
            lambda: len(state.cells) == 1 and state.current is not None and state.current[0].model == QWEN,
            timeout=30,
            what="the first model's cell done and the second's started",
        )
        await pilot.press("escape")
        await wait_until(lambda: not state.active, what="the bench to stop")
        assert isinstance(app.screen, BenchScreen)  # the first Esc stops; it does not leave
        assert [c.model for c in state.cells] == [GLM] and state.cells[0].error is None
        assert "Stopped: 1 finished cell(s) kept, saved." in str(screen.query_one("#bench-current").render())
        await wait_until(
            lambda: bench_store.runs(Store(tmp_path / "h.db"))[0].status == "stopped", what="stopped"
        )
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, BenchScreen), what="the second Esc to leave")


async def test_a_model_that_will_not_fit_is_asked_about_and_skipping_it_leaves_nothing_to_run(
    sim: Simulator, tmp_path: Path
) -> None:
    full = ScriptedSystem(
        SystemReading(
            cpu_percent=1.0,
            cpu_count=16,
            ram_used=63 * GIB,
            ram_total=64 * GIB,
            swap_used=0,
            swap_total=0,
            load=None,
        )
    )
    sampler = scripted_sampler(
        ScriptedNvml([ScriptedGpu(memory_total=4 * GIB, memory_used=1 * GIB)]), system=full
    )
    app = make_app(sim.url, store_path=tmp_path / "h.db", model=GLM, sampler=sampler)
    async with app.run_test(size=(140, 50)) as pilot:
        await ready(app)
        screen = await open_bench(pilot, (GLM,), contexts="64")
        await start(pilot, screen)
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the won't-fit question")
        await pilot.press("n")
        state = screen.run_state
        assert state is not None
        await wait_until(lambda: not state.active, what="the bench to give up")
        assert state.cells == [] and [p.kind for p in state.problems] == ["wont-fit"]
        assert "Nothing left to run" in str(screen.query_one("#bench-current").render())
        assert not [r for r in sim.requests if r[1] == "/api/chat"]  # nothing was sent
