"""Regenerate the README's screenshots: `python screenshots/make.py` (writes screenshots/*.svg).

The real app, driven by Textual's Pilot, against the built-in simulator and a scripted GPU (an RTX
4090 with steady readings), so the pictures show what glmtui shows on a GPU box without needing one:

- chat.svg      a reply with its thinking trace opened, exact figures, the monitor beside it
- monitor.svg   the monitor with two GPUs, a loaded model and a few replies' rates
- models.svg    the model switcher with a pull under way
- compare.svg   an A/B comparison of glm-4.7-flash q4_K_M against q8_0 after one round
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from glmtui.app import GlmTuiApp
from glmtui.config import Config
from glmtui.core.state import OllamaProcessReading, SystemReading, TurnStatus
from glmtui.core.units import GIB
from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.models import ModelsScreen
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.monitor import Sampler
from glmtui.simulator import Simulator
from glmtui.simulator.catalogue import registry_lookup
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.thinking import ThinkingView

HERE = Path(__file__).resolve().parent
SIZE = (130, 38)


class SteadySystem:
    """A 16-core box with 64 GiB of RAM (and an Ollama server) whose readings never change."""

    def read(self, now: float) -> SystemReading:
        return SystemReading(
            cpu_percent=18.0,
            cpu_count=16,
            ram_used=22 * GIB,
            ram_total=64 * GIB,
            swap_used=0,
            swap_total=8 * GIB,
            load=(1.9, 1.5, 1.2),
            ollama=OllamaProcessReading(4242, int(1.1 * GIB), 4.0),
        )


def sampler(gpus: list[ScriptedGpu]) -> Sampler:
    return Sampler(ScriptedNvml(gpus), system=SteadySystem(), hostname="gpu-box")


def rtx4090(used_gib: float = 19.5, util: int = 87) -> ScriptedGpu:
    return ScriptedGpu(
        memory_used=int(used_gib * GIB), util_gpu=util, util_memory=54, temperature=71, power_mw=352_000
    )


async def until(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: timed out waiting for the app")
        await asyncio.sleep(0.05)


def app_for(sim: Simulator, gpus: list[ScriptedGpu], **kw: object) -> GlmTuiApp:
    config = Config(host=sim.url, model="glm-4.7-flash:q4_K_M", demo=True)
    return GlmTuiApp(config, sampler=sampler(gpus), store_path=None, **kw)  # type: ignore[arg-type]


async def send(app: GlmTuiApp, pilot, prompt: str) -> None:  # type: ignore[no-untyped-def]
    pane = app.screen.query_one(ChatPane)
    before = len(pane.conversation.turns)
    app.screen.query_one(PromptInput).insert(prompt)
    await pilot.press("enter")
    await until(
        lambda: (
            len(pane.conversation.turns) > before
            and not pane.is_streaming
            and pane.conversation.turns[-1].status is not TurnStatus.STREAMING
        )
    )


async def chat_and_monitor(sim: Simulator) -> None:
    app = app_for(sim, [rtx4090()])
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.connection == "online" and app.think_label != "")
        await send(app, pilot, "Write a binary search in Rust")
        views = app.screen.query(ThinkingView)
        views.last().collapsed = False
        await pilot.pause(1.5)
        app.save_screenshot("chat.svg", str(HERE))
    gpu0 = rtx4090()
    app = app_for(sim, [gpu0, ScriptedGpu(name="NVIDIA GeForce RTX 3090", memory_used=GIB // 2)])
    async with app.run_test(size=(100, 44)) as pilot:
        await until(lambda: app.connection == "online" and app.think_label != "")
        for prompt in (
            "hello",
            "Explain borrow checking in two lines",
            "Write a SQL query for top customers",
        ):
            await send(app, pilot, prompt)
            loaded = sim.store.loaded()
            if loaded and not gpu0.processes:
                # The runner holds the model plus its CUDA context; its pid has no name here (as in a
                # container), so the GPU panel matches it to the model by size, and says it is a guess.
                gpu0.processes = [(987_654, loaded[0].size_vram + 400 * 1024**2)]
        await pilot.press("f3")
        await pilot.pause(3.0)  # a few seconds of samples for the sparklines
        app.save_screenshot("monitor.svg", str(HERE))


async def models_mid_pull(sim: Simulator) -> None:
    # An earlier, interrupted pull left a third of the weights: the pull resumes from there at ~100 MB/s
    # (the simulator's full pull takes pull_seconds), so the picture shows a realistic speed and ETA.
    sim.pull_seconds = 600.0
    found = registry_lookup("glm-4.7-flash:bf16")
    assert found is not None
    weights = found[1].layers[0]
    sim.store.add_blob_bytes(weights.digest, weights.size, int(weights.size * 0.34))
    app = app_for(sim, [rtx4090(used_gib=2.0, util=3)])
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.connection == "online" and app.think_label != "")
        await pilot.press("f4")
        await until(lambda: isinstance(app.screen, ModelsScreen) and bool(app.screen.models))
        await pilot.press("tab")
        for char in "glm":
            await pilot.press(char)
        screen = app.screen
        assert isinstance(screen, ModelsScreen)
        while screen.table.selected_key != "glm-4.7-flash:bf16":
            await pilot.press("down")
        await pilot.press("enter")
        await until(lambda: any(j.fraction and j.fraction > 0.345 and j.eta_s for j in app.pulls.jobs))
        await pilot.pause(3.0)  # a few seconds of this pull's own bytes for the speed
        app.save_screenshot("models.svg", str(HERE))
        app.pulls.cancel("glm-4.7-flash:bf16")


async def compare(sim: Simulator) -> None:
    for loaded in sim.store.loaded():  # both sides start cold, so both load times are real
        sim.store.unload(loaded.name)
    app = app_for(
        sim,
        [rtx4090(used_gib=2.0, util=3)],
        compare=("glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0", "Write a binary search in Rust"),
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: isinstance(app.screen, CompareScreen) and app.screen.ready)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await until(lambda: bool(screen.run.rounds) and screen.run.rounds[-1].ended and not screen.busy)
        await pilot.pause(1.5)
        app.save_screenshot("compare.svg", str(HERE))


async def main() -> None:
    with (
        tempfile.TemporaryDirectory(),
        Simulator(port=0, rate=90.0, load_seconds=1.2, reply_tokens=260) as sim,
    ):
        for extra in ("glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0"):
            found = registry_lookup(extra)
            assert found is not None
            sim.store.install(*found)
        await chat_and_monitor(sim)
        await models_mid_pull(sim)
        await compare(sim)
    for name in ("chat", "monitor", "models", "compare"):
        print(HERE / f"{name}.svg")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
