"""Hostile Pilot flows of issue 15's screens: each demonstrated one defect (xfail strict until fixed)."""

from __future__ import annotations

from pathlib import Path

from glmtui.core.state import SystemReading
from glmtui.core.units import GIB
from glmtui.screens.bench.dialogs import WontFitScreen
from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.simulator import Simulator
from glmtui.simulator.faults import Fault
from tests.app.test_bench_flow import open_bench, scripted_gpu, start
from tests.fakes import ScriptedSystem, scripted_sampler
from tests.helpers import make_app, palette, ready, wait_until

__all__ = ["scripted_gpu"]  # the bench flows' autouse fixture: their scripted GPU here too

GLM, QWEN = "glm-4.7-flash:latest", "qwen3-coder:30b"


async def test_esc_during_the_preflight_stops_the_bench(sim: Simulator, tmp_path: Path) -> None:
    app = make_app(sim.url, store_path=tmp_path / "h.db", model=GLM, stall_timeout=60.0)
    async with app.run_test(size=(140, 50)) as pilot:
        await ready(app)
        screen = await open_bench(pilot, (GLM,), contexts="64")
        seen = len(sim.requests)
        sim.inject(Fault("stall", seconds=30.0, path="/api/tags"))  # the pre-flight's model list hangs
        await start(pilot, screen)
        state = screen.run_state
        assert state is not None
        await wait_until(
            lambda: (
                ("GET", "/api/tags") in [r[:2] for r in sim.requests[seen:]]
                and "Pre-flight" in str(screen.query_one("#bench-current").render())
            ),
            what="the pre-flight waiting on the model list",
        )
        await pilot.press("escape")
        await wait_until(lambda: not state.active, timeout=3, what="Esc to stop the pre-flight")


async def test_a_bench_does_not_run_on_beneath_another_screen(sim: Simulator, tmp_path: Path) -> None:
    app = make_app(sim.url, store_path=tmp_path / "h.db", model=GLM)
    async with app.run_test(size=(140, 50)) as pilot:
        await ready(app)
        screen = await open_bench(pilot, (GLM,), contexts="64")
        sim.rate = 2.0  # each run takes seconds: the bench is still running below
        await start(pilot, screen)
        state = screen.run_state
        assert state is not None
        await wait_until(lambda: state.current is not None, what="the first cell under way")
        # Opening another screen over a running bench asks first: staying keeps the bench running, shown…
        await palette(pilot, "Compare models")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert state.active
        await pilot.press("n")
        await wait_until(lambda: app.screen is screen, what="back on the bench")
        assert state.active
        # …and yes stops it (the finished cells kept), then opens the screen asked for.
        await palette(pilot, "Compare models")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
        await pilot.press("y")
        await wait_until(lambda: app.screen is not screen, what="another screen")
        await wait_until(
            lambda: not state.active, timeout=3, what="the bench stopped (or the palette refused)"
        )
        await wait_until(lambda: isinstance(app.screen, CompareScreen), what="the A/B compare opened")


async def test_esc_at_the_wont_fit_question_stops_the_bench(sim: Simulator, tmp_path: Path) -> None:
    """The sibling stage: the won't-fit question's Esc stops the bench (n skips them, y runs them)."""
    reading = SystemReading(1.0, 16, 63 * GIB, 64 * GIB, 0, 0, None)
    gpu = ScriptedNvml([ScriptedGpu(memory_total=4 * GIB, memory_used=1 * GIB)])
    app = make_app(sim.url, store_path=tmp_path / "h.db", model=GLM,
                   sampler=scripted_sampler(gpu, system=ScriptedSystem(reading)))  # fmt: skip
    async with app.run_test(size=(140, 50)) as pilot:
        await ready(app)
        screen = await open_bench(pilot, (GLM,), contexts="64")
        await start(pilot, screen)
        await wait_until(lambda: isinstance(app.screen, WontFitScreen), what="the won't-fit question")
        state = screen.run_state
        assert state is not None and state.active
        await pilot.press("escape")
        await wait_until(lambda: not state.active, timeout=3, what="Esc to stop the bench")
        assert app.screen is screen and "Stopped" in str(screen.query_one("#bench-current").render())
        assert not [r for r in sim.requests if r[1] == "/api/chat"]
