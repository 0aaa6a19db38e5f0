"""Regenerate the README's screenshots: `python screenshots/make.py [NAME …]` (writes screenshots/*.svg;
names as below without .svg: only those, e.g. `usage`).

The real app, driven by Textual's Pilot, against the built-in simulator and a scripted GPU (an RTX
4090 with steady readings), so the pictures show what glmtui shows on a GPU box without needing one:

- chat.svg      a reply with its thinking trace opened, exact figures, the monitor beside it
- monitor.svg   the monitor with two GPUs, a loaded model and a few replies' rates
- models.svg    the model switcher with a pull under way
- compare.svg   an A/B comparison of glm-4.7-flash q4_K_M against q8_0 after one round
- bench.svg     a bench of q4_K_M against q8_0 at 512, 4k and 16k prompt tokens, run for real (the
                simulator's prefill uncapped and its decode slowing with context, as an engine's does)
- leaderboard.svg  the arena over a few dozen blind votes, with that bench's figures beside each model
- usage.svg     a month of chat history (seeded into the store: a month cannot be chatted in a script)
- craft.svg     chat craft: a preset with a tool (status bar), preserved thinking on, a file attached, the
                reply regenerated (‹ 2/2 ›), and a tool call shown, not run
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from glmtui.app import GlmTuiApp
from glmtui.config import Config
from glmtui.core.presets import Preset
from glmtui.core.state import GenerationStats, OllamaProcessReading, SystemReading, Turn, TurnStatus
from glmtui.core.units import GIB
from glmtui.screens.arena import ArenaScreen
from glmtui.screens.bench import BenchScreen
from glmtui.screens.chat import ChatScreen
from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.models import ModelsScreen
from glmtui.screens.usage import UsageScreen
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.monitor import Sampler
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from glmtui.simulator.catalogue import registry_lookup
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.thinking import ThinkingView
from glmtui.widgets.tool_calls import ToolCallView

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


def app_for(sim: Simulator, gpus: list[ScriptedGpu], store: Path | None = None, **kw: object) -> GlmTuiApp:
    config = Config(host=sim.url, model="glm-4.7-flash:q4_K_M", demo=True)
    return GlmTuiApp(config, sampler=sampler(gpus), store_path=store, **kw)  # type: ignore[arg-type]


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


Q4, Q8 = "glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0"


async def bench(sim: Simulator, store: Path) -> None:
    from textual.widgets import Input, SelectionList

    # Prefill at a GPU-like rate and uncapped, decode slowing as the context grows (simulator/pacing.py).
    sim.pace.prompt_rate, sim.pace.prompt_cap_s, sim.pace.decode_half_ctx = 8000.0, None, 32768
    app = app_for(sim, [rtx4090(used_gib=2.0, util=3)], store=store)
    async with app.run_test(size=(130, 44)) as pilot:
        await until(lambda: app.connection == "online" and bool(app.model))
        await pilot.press("f6")
        await until(lambda: isinstance(app.screen, BenchScreen))
        screen = app.screen
        assert isinstance(screen, BenchScreen)
        picker = screen.query_one("#bench-models", SelectionList)
        await until(lambda: picker.option_count > 0)
        picker.deselect_all()
        for index in range(picker.option_count):
            if picker.get_option_at_index(index).value.model in (Q4, Q8):
                picker.select(picker.get_option_at_index(index).value)
        screen.query_one("#bench-contexts", Input).value = "512,4k,16k"
        screen.query_one("#bench-gen", Input).value = "64"
        screen.query_one("#bench-reps", Input).value = "3"
        await pilot.click("#bench-start")
        await until(lambda: screen.run_state is not None and not screen.run_state.active, timeout=240)
        await pilot.pause(1.0)
        app.save_screenshot("bench.svg", str(HERE))
    sim.pace.prompt_rate, sim.pace.prompt_cap_s, sim.pace.decode_half_ctx = 5000.0, 0.5, None


def seed_votes(path: Path) -> None:
    """Forty blind votes among four models, drawn once from fixed strengths (a fixed seed)."""
    strengths = {Q8: 1.6, Q4: 1.2, "gpt-oss:20b": 1.0, "qwen3-coder:30b": 0.7}
    draw = random.Random(15)
    store = Store(path)
    try:
        names = list(strengths)
        for n in range(40):
            a, b = draw.sample(names, 2)
            p_a = strengths[a] / (strengths[a] + strengths[b])
            roll = draw.random()
            vote = "tie" if abs(roll - p_a) < 0.08 else ("a" if roll < p_a else "b")
            store.save_compare_run(
                None, model_a=a, model_b=b, blind=True, vote=vote, rounds=[{"prompt": f"prompt {n}"}],
                created_at=time.time() - 86_400 * (40 - n), endpoint_a="localhost", endpoint_b="localhost",
            )  # fmt: skip
    finally:
        store.close()


async def leaderboard(sim: Simulator, store: Path) -> None:
    seed_votes(store)
    app = app_for(sim, [rtx4090(used_gib=2.0, util=3)], store=store)
    async with app.run_test(size=(130, 20)) as pilot:
        await until(lambda: app.connection == "online" and bool(app.model))
        await pilot.press("f7")
        await until(lambda: isinstance(app.screen, ArenaScreen) and app.screen.drawn)
        await pilot.pause(0.5)
        app.save_screenshot("leaderboard.svg", str(HERE))


def seed_month(path: Path, now: float) -> None:
    """A month of chats: q4_K_M most days (re-pulled, and a little slower, ten days ago), gpt-oss on
    some, qwen3-coder now and then; rates and TTFTs with a fixed seed's spread."""
    draw = random.Random(29)
    store = Store(path)
    try:
        conversation = store.create_conversation("a month of questions", Q4, None)
        for day in range(30):
            start = now - (29 - day) * 86_400.0
            for model, base, share in (
                (Q4, 118.0, 0.9),
                ("gpt-oss:20b", 142.0, 0.5),
                ("qwen3-coder:30b", 96.0, 0.3),
            ):
                if draw.random() > share:
                    continue
                digest = "sha256:new" if model == Q4 and day >= 20 else "sha256:old"
                base_rate = base * (0.94 if digest == "sha256:new" and model == Q4 else 1.0)
                for n in range(draw.randint(2, 9)):
                    tokens = draw.randint(180, 1400)
                    rate = base_rate * draw.uniform(0.95, 1.04)
                    turn = Turn(prompt="p", model=model, created_at=start + 600 * n, endpoint="localhost")
                    turn.status = TurnStatus.DONE
                    turn.stats = GenerationStats(
                        ttft_s=draw.uniform(0.12, 0.9) * (3.0 if n == 0 else 1.0),  # a cold load first
                        eval_count=tokens,
                        eval_duration_ns=int(tokens / rate * 1e9),
                        prompt_eval_count=draw.randint(40, 4000),
                        content_tokens=tokens,
                    )
                    store.finish_turn(store.start_turn(conversation, turn, digest=digest), turn)
    finally:
        store.close()


async def usage(sim: Simulator, store: Path) -> None:
    now = time.time()
    seed_month(store, now)
    app = app_for(sim, [rtx4090(used_gib=2.0, util=3)], store=store)
    async with app.run_test(size=(150, 44)) as pilot:
        await until(lambda: app.connection == "online" and bool(app.model))
        await pilot.press("f8")
        await until(lambda: isinstance(app.screen, UsageScreen) and app.screen.loads >= 1)
        await pilot.pause(1.0)
        app.save_screenshot("usage.svg", str(HERE))


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather now in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


async def craft() -> None:
    """Short replies (their own simulator) so the branch switch, the chip and the tool call share a screen."""
    preset = Preset(name="GLM coding + weather", options={"temperature": 0.7, "top_p": 1.0}, tools=(WEATHER,))
    with tempfile.TemporaryDirectory() as folder, Simulator(port=0, rate=400.0, reply_tokens=36) as sim:
        source = Path(folder) / "search.rs"
        source.write_text("fn search(items: &[i32], target: i32) -> Option<usize> {\n    todo!()\n}\n")
        config = Config(host=sim.url, model="glm-4.7-flash:latest", demo=True, presets=(preset,))
        app = GlmTuiApp(config, sampler=sampler([rtx4090()]), store_path=None)
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: app.connection == "online" and app.think_label != "")
            chat = app.screen
            assert isinstance(chat, ChatScreen)
            await chat.presets.choose(preset)
            await pilot.press("alt+t")  # preserved thinking
            previous = os.getcwd()
            os.chdir(folder)  # attached as a relative path, as typed after @ in a project folder
            try:
                await chat.attach.attach(source.name)
            finally:
                os.chdir(previous)
            await send(app, pilot, "Finish this search")
            pane = chat.pane
            await pilot.press("ctrl+r")  # regenerate: a second branch beside the first reply
            await until(lambda: len(pane.conversation.branches.every) == 2 and not pane.is_busy)
            await send(app, pilot, "Call get_weather for Paris")
            await until(lambda: bool(app.screen.query(ToolCallView)))
            app.screen.query(ToolCallView).last().collapsed = False
            await pilot.pause(1.0)
            app.save_screenshot("craft.svg", str(HERE))


async def main() -> None:
    with (
        tempfile.TemporaryDirectory() as scratch,
        Simulator(port=0, rate=90.0, load_seconds=1.2, reply_tokens=260) as sim,
    ):
        for extra in ("glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0"):
            found = registry_lookup(extra)
            assert found is not None
            sim.store.install(*found)
        wanted = set(sys.argv[1:]) or {"chat", "models", "compare", "bench", "leaderboard", "usage", "craft"}
        if "chat" in wanted or "monitor" in wanted:
            await chat_and_monitor(sim)
        if "models" in wanted:
            await models_mid_pull(sim)
        if "compare" in wanted:
            await compare(sim)
        if "bench" in wanted or "leaderboard" in wanted:
            await bench(sim, Path(scratch) / "bench.db")
        if "leaderboard" in wanted:
            await leaderboard(sim, Path(scratch) / "bench.db")  # the bench's figures beside the ratings
        if "usage" in wanted:
            await usage(sim, Path(scratch) / "usage.db")
    if "craft" in wanted:
        await craft()
    for name in ("chat", "monitor", "models", "compare", "bench", "leaderboard", "usage", "craft"):
        print(HERE / f"{name}.svg")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
