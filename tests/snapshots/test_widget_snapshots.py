"""Snapshots of a finished turn and of the monitor panels (fixed text and figures: deterministic)."""

from __future__ import annotations

from textual.containers import VerticalScroll

from glmtui.core.state import (
    GenerationStats,
    GpuProcess,
    GpuReading,
    GpuSnapshot,
    LoadedModel,
    OllamaProcessReading,
    OllamaSnapshot,
    SystemReading,
    Turn,
    TurnStatus,
)
from glmtui.core.units import GIB
from glmtui.widgets.chat_log import ChatLog
from glmtui.widgets.message import ReplyView, UserMessage
from glmtui.widgets.monitor.gpu_panel import GpuPanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.monitor.system_panel import SystemPanel
from glmtui.widgets.monitor.throughput_panel import ThroughputPanel
from tests.helpers import HostApp

REPLY = """## Binary search

- halve the range each step
- stop when `lo >= hi`

```rust
fn search(xs: &[i32], t: i32) -> Option<usize> {
    xs.binary_search(&t).ok()
}
```
"""


class TurnApp(HostApp):
    """A chat log holding one finished turn with a thinking trace and exact stats."""

    def __init__(self) -> None:
        super().__init__([ChatLog()])

    async def on_mount(self) -> None:
        turn = Turn(
            prompt="Write a binary search in Rust",
            model="glm-4.7-flash:latest",
            think="on",
            reply=REPLY,
            thinking="The user wants a binary search. Keep it short.",
            status=TurnStatus.DONE,
            stats=GenerationStats(
                ttft_s=0.21,
                eval_count=812,
                eval_duration_ns=9_876_543_210,
                prompt_eval_count=38,
                prompt_eval_duration_ns=30_780_000,
                load_duration_ns=1_520_000_000,
                thinking_tokens=14,
                thinking_s=4.2,
            ),
        )
        view = ReplyView(turn)
        await self.query_one(ChatLog).add_turn(UserMessage(turn.prompt), view)
        await view.finish()


def test_finished_turn(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(TurnApp(), terminal_size=(90, 24))


class MonitorApp(HostApp):
    """The monitor panels fed fixed readings: two GPUs (one busy with an Ollama runner), a model
    partly offloaded to the CPU, three replies' rates, and the system."""

    def __init__(self) -> None:
        self.panels = [GpuPanel(), OllamaPanel(), ThroughputPanel(), SystemPanel()]
        super().__init__([VerticalScroll(*self.panels, id="side")])

    CSS = "#side { width: 38; background: $surface; } #side > * { margin-bottom: 1; }"

    def on_mount(self) -> None:
        gpu, ollama, throughput, system = self.panels
        busy = GpuReading(
            0,
            "NVIDIA GeForce RTX 4090",
            memory_used=int(21.7 * GIB),
            memory_total=24 * GIB,
            util_gpu=96,
            util_memory=61,
            temperature_c=83,
            power_w=402.0,
            power_limit_w=450.0,
            memory_history=tuple(float(min(90, 10 + 3 * i)) for i in range(60)),
            util_history=tuple(float((i * 37) % 100) for i in range(60)),
            processes=(
                GpuProcess(4242, "ollama", int(20.9 * GIB), is_ollama=True),
                GpuProcess(1717, "Xorg", 310 * 1024**2),
            ),
        )
        idle = GpuReading(
            1,
            "NVIDIA GeForce RTX 3090",
            memory_used=GIB // 2,
            memory_total=24 * GIB,
            util_gpu=0,
            util_memory=0,
            temperature_c=38,
            power_w=21.0,
            power_limit_w=350.0,
            processes=(),
        )
        gpu.snapshot = GpuSnapshot(gpus=(busy, idle))  # type: ignore[attr-defined]
        ollama.snapshot = OllamaSnapshot(
            online=True,
            models=(  # type: ignore[attr-defined]
                LoadedModel("glm-4.7-flash:q8_0", 32 * 10**9, 24_640_000_000, 8192, None),
            ),
        )
        throughput.history = tuple(  # type: ignore[attr-defined]
            GenerationStats(ttft_s=t, eval_count=500, eval_duration_ns=int(500 / r * 1e9))
            for r, t in ((41.2, 0.31), (44.8, 0.22), (38.9, 0.41))
        )
        system.system = SystemReading(  # type: ignore[attr-defined]
            cpu_percent=37.0,
            cpu_count=16,
            ram_used=41 * GIB,
            ram_total=64 * GIB,
            swap_used=GIB // 4,
            swap_total=8 * GIB,
            load=(5.2, 4.1, 3.3),
            ollama=OllamaProcessReading(4242, int(11.2 * GIB), 412.0),
        )


def test_monitor_panels(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(MonitorApp(), terminal_size=(40, 50))
