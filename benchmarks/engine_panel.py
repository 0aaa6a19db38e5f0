"""Engine panel benchmark: the CPU one `/metrics` cycle costs the app, as % of one core at the interval.

One cycle is what the app does every `[monitor] engine_s` (2 s by default) while the sidebar shows and
the chat's engine has metrics: `GET /metrics` with httpx, prometheus_client's parser, the reading
(core.engine_metrics), the panel's rebuild and its repaint (a headless Textual app, the sidebar's width).
The OpenAI simulator (vLLM flavour, MTP speculative decoding) serves requests from a background thread the
whole time, so every scrape differs and every line of the panel is rebuilt: the worst case. CPU is the
event loop thread's own (`time.thread_time`), so the simulator's threads are not counted; network waits
cost nothing. The issue's target is ≤ 0.3 % of a core.

    python benchmarks/engine_panel.py               # 200 cycles
    python benchmarks/engine_panel.py --idle        # no traffic: an unchanged /metrics is not parsed again
    python benchmarks/engine_panel.py --cycles 20   # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import openai
from tests.helpers import HostApp, panel_text
from textual.containers import Vertical

from glmtui.core.state import MonitorIntervals
from glmtui.services.metrics_feed import MetricsFeed, MetricsTarget
from glmtui.simulator import OpenAISimulator
from glmtui.widgets.monitor.engine_panel import EnginePanel


def traffic(sim: OpenAISimulator, stop: threading.Event) -> None:
    """One request after another, so the counters and histograms move between scrapes."""
    with openai.OpenAI(base_url=f"{sim.url}/v1", api_key="none", max_retries=0) as client:
        while not stop.is_set():
            client.chat.completions.create(
                model="glm-4.7-flash", messages=[{"role": "user", "content": "hi"}], max_tokens=200
            )


async def measure(cycles: int, busy: bool = True) -> tuple[list[float], list[float], int, str]:
    """Per-cycle CPU seconds (scrape, parse, reading, panel rebuild and its changed lines drawn), the
    headless frame's CPU per cycle on top, the exposition's size in lines, and the panel's last text."""
    with OpenAISimulator("vllm", rate=2000, spec_decode=True) as sim:
        stop = threading.Event()
        thread = threading.Thread(target=traffic, args=(sim, stop), daemon=True)
        if busy:
            thread.start()
        lines = len(httpx.get(f"{sim.url}/metrics").text.splitlines())
        panel = EnginePanel()
        panel.styles.width = 38
        feed = MetricsFeed(MonitorIntervals().engine_s, publish=lambda reading: None)
        feed.watch(MetricsTarget(sim.url, flavour="vllm", version=sim.version, name="node1"))
        costs: list[float] = []
        frames: list[float] = []
        async with HostApp([Vertical(panel)]).run_test(size=(80, 30)) as pilot:
            for _ in range(cycles + 5):
                await asyncio.sleep(0.02)  # let some tokens flow between scrapes
                start = time.thread_time()
                panel.reading = await feed.tick()  # the watcher rebuilds the lines
                for y in range(len(panel.cached_strips)):
                    panel.render_line(y)  # draws only the lines that changed (LinesPanel caches strips)
                drawn = time.thread_time()
                await pilot.pause()  # Textual's frame: compositor and the (headless) driver
                frames.append(time.thread_time() - drawn)
                costs.append(drawn - start)
            text = panel_text(panel)
        stop.set()
        if busy:
            thread.join(timeout=10)
        await feed.close()
    return costs[5:], frames[5:], lines, text  # the first cycles warm up imports and the connection


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--idle", action="store_true", help="no traffic: the engine's figures stand still")
    args = parser.parse_args()
    costs, frames, lines, text = asyncio.run(measure(args.cycles, busy=not args.idle))
    interval = MonitorIntervals().engine_s
    print(text)
    print()
    print(f"| engine panel, {lines}-line /metrics, every {interval:g} s | per cycle | % of one core |")
    print("|---|---|---|")
    for name, values in (("scrape + parse + reading + panel lines", costs), ("headless frame", frames)):
        mean, p95 = statistics.fmean(values), sorted(values)[int(len(values) * 0.95) - 1]
        print(f"| {name}, mean | {mean * 1000:.2f} ms | {mean / interval * 100:.3f} |")
        print(f"| {name}, p95 | {p95 * 1000:.2f} ms | {p95 / interval * 100:.3f} |")


if __name__ == "__main__":
    main()
