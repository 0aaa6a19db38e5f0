"""Streaming benchmark: the real app in a 120×40 PTY against the simulator.

Measures, per reply: client CPU-seconds per 1,000 tokens (from /proc), final-chunk-to-screen lag (the
simulator writes the final chunk → the reply's exact stats line reaches the terminal), reader backlog
(final chunk written → read by the app), bytes written to the terminal, RSS and mounted widgets.
Scenarios: a 3,000-token reply at 100, 400 and 2,000 tok/s; a 50-turn × 2,000-token conversation;
time to first frame.

    python benchmarks/stream.py            # everything (about 3 minutes)
    python benchmarks/stream.py --quick    # smaller numbers, for a smoke run
    python benchmarks/stream.py --engine openai   # the same, from a vLLM-flavoured OpenAI simulator

`--engine openai` serves the same model name, reply text and pacing from `OpenAISimulator("vllm")`,
reached through `--host` (an auto endpoint: the probe finds vLLM and the app streams through the
`openai` client), with thinking off (the simulated GLM template thinks unless told not to), so both
engines stream the same answer tokens.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtui.simulator import OpenAISimulator, Simulator
from ptyapp import PtyApp

MODEL = "qwen3-coder:30b"  # no thinking: the figures measure answer streaming alone
APP_ARGS: list[str] = []  # e.g. --no-monitor, to compare streaming with and without the sidebar
APP_ENV: dict[str, str] = {}
ENGINE = ["ollama"]  # or "openai": which simulator serves (set from --engine)
Server = Simulator | OpenAISimulator


def serve(rate: float, tokens: int | None = None) -> Server:
    """The simulator of the engine being measured, not started (use it in a `with`)."""
    if ENGINE[0] == "openai":
        return OpenAISimulator("vllm", rate=rate, reply_tokens=tokens, models=(MODEL,))
    return Simulator(port=0, rate=rate, reply_tokens=tokens, load_seconds=0.05)


def engine_args() -> list[str]:
    return ["--think", "off"] if ENGINE[0] == "openai" else []


@dataclass
class TurnFigures:
    """What one reply cost the client."""

    tokens: int
    cpu_s: float
    lag_ms: float
    backlog_ms: float
    bytes_out: int
    rss_mb: float
    widgets: int

    @property
    def cpu_per_1k(self) -> float:
        return self.cpu_s / self.tokens * 1000


def run_turn(app: PtyApp, sim: Server, index: int, prompt: str) -> TurnFigures:
    """Send one prompt and measure the reply (index: 1-based count of replies in this app)."""
    cpu0, bytes0 = app.cpu_seconds(), app.total_bytes
    app.type(prompt + "\r")
    final = app.wait_event("final_chunk", index)
    rendered = app.wait_event("reply_rendered", index)
    shown = app.wait_output(f"eval {final['eval_rate']}".encode(), since=final["t"])
    sent = sim.last_done_at
    assert sent is not None
    time.sleep(0.25)  # let the last frame go out before reading the counters
    return TurnFigures(
        tokens=final["tokens"],
        cpu_s=app.cpu_seconds() - cpu0,
        lag_ms=(shown - sent) * 1000,
        backlog_ms=(final["t"] - sent) * 1000,
        bytes_out=app.total_bytes - bytes0,
        rss_mb=app.rss_mb(),
        widgets=rendered["widgets"],
    )


# The 50-turn chat outgrows the 32k context Ollama loads at by default (and the app would rightly stop
# to ask before Ollama dropped messages): the run asks for the model's whole context, as a user would.
CONFIG = Path(tempfile.mkdtemp(prefix="glmtui-bench-")) / "config.toml"
CONFIG.write_text("[options]\nnum_ctx = 262144\n", encoding="utf-8")


def launch(sim: Server) -> tuple[PtyApp, float]:
    """Start the app; return it and its time to first frame (seconds)."""
    args = ["--host", sim.url, "--model", MODEL, "--config", str(CONFIG), *engine_args(), *APP_ARGS]
    app = PtyApp(args, env=APP_ENV)
    first = app.wait_output(b"glmtui", since=0.0, timeout=20)
    app.wait_event("ready", 1, timeout=20)
    return app, first - app.started


CLIENT_ONLY = """
import asyncio, sys, time
from glmtui.services.engines.factory import make_engine
from glmtui.core.stats import LiveStats
async def main(url, model, kind):
    service = make_engine(kind, url)
    await service.version()
    think = False if kind == "openai" else None
    started, tokens = time.process_time(), 0
    async for _ in service.chat(model, [{"role": "user", "content": "hi"}], think=think, live=LiveStats()):
        tokens += 1
    print((time.process_time() - started) / (tokens - 1) * 1000)
asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
"""


def client_only(rate: float, tokens: int) -> float:
    """CPU-s per 1k tokens of glmtui's service loop over the official client, with no UI: the floor."""
    with serve(rate, tokens) as sim:
        out = subprocess.run(
            [sys.executable, "-c", CLIENT_ONLY, sim.url, MODEL, ENGINE[0]],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(out.stdout.strip())


def single_reply(rate: float, tokens: int) -> TurnFigures:
    with serve(rate, tokens) as sim:
        app, _ = launch(sim)
        try:
            return run_turn(app, sim, 1, "Write a binary search in Rust")
        finally:
            app.close()


def conversation(turns: int, tokens: int, rate: float) -> list[TurnFigures]:
    with serve(rate, tokens) as sim:
        app, _ = launch(sim)
        try:
            return [run_turn(app, sim, i, f"Question {i}: explain step {i}") for i in range(1, turns + 1)]
        finally:
            app.close()


def first_frames(runs: int) -> list[float]:
    with serve(1000) as sim:
        times = []
        for _ in range(runs):
            app, first = launch(sim)
            app.close()
            times.append(first * 1000)
        return times


def demo_first_frames(runs: int) -> list[float]:
    """First frame of `glmtui --demo`, which starts its own simulators (their start-up counts)."""
    times = []
    for _ in range(runs):
        app = PtyApp(["--demo", "--config", str(CONFIG), *APP_ARGS], env=APP_ENV)
        try:
            times.append((app.wait_output(b"glmtui", since=0.0, timeout=20) - app.started) * 1000)
            app.wait_event("ready", 1, timeout=20)
        finally:
            app.close()
    return times


def frames_line(what: str, frames: list[float]) -> str:
    return (
        f"first frame {what}: median {statistics.median(frames):.0f} ms (min {min(frames):.0f}, "
        f"max {max(frames):.0f}, {len(frames)} launches)"
    )


def side_by_side(rates: list[float], tokens: int, repeat: int) -> None:
    """Single replies from both engines back to back at each rate (Ollama, then OpenAI, `repeat`
    times), so the machine's drift hits both alike; the median CPU-s per 1k tokens of each."""
    print(f"| 1 reply, {tokens} tokens | Ollama CPU-s per 1k tok | OpenAI (vLLM) CPU-s per 1k tok | ratio |")
    print("|---|---|---|---|")
    for rate in rates:
        got: dict[str, list[float]] = {"ollama": [], "openai": []}
        for _ in range(repeat):
            for engine in got:
                ENGINE[0] = engine
                got[engine].append(single_reply(rate, tokens).cpu_per_1k)
        ollama, oai = (statistics.median(got[e]) for e in ("ollama", "openai"))
        runs = "; ".join(f"{e}: " + ", ".join(f"{v:.2f}" for v in got[e]) for e in got)
        print(
            f"| @ {rate:.0f} tok/s | {ollama:.2f} | {oai:.2f} | ×{oai / ollama:.2f} |  <!-- {runs} -->",
            flush=True,
        )


def row(name: str, figures: list[TurnFigures]) -> str:
    mean = statistics.fmean
    return (
        f"| {name} | {sum(f.tokens for f in figures) // len(figures)}"
        f" | {mean(f.cpu_per_1k for f in figures):.2f} "
        f"| {mean(f.lag_ms for f in figures):.0f} | {max(f.backlog_ms for f in figures):.0f} "
        f"| {mean(f.bytes_out for f in figures) / 1024:.0f} | {max(f.rss_mb for f in figures):.0f} "
        f"| {max(f.widgets for f in figures)} |"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer tokens and turns")
    parser.add_argument(
        "--engine",
        choices=("ollama", "openai"),
        default="ollama",
        help="stream from the Ollama simulator or a vLLM-flavoured OpenAI simulator",
    )
    parser.add_argument("--rates", default="100,400,2000", help="tok/s for the single-reply runs")
    parser.add_argument("--tokens", type=int, default=3000, help="tokens in the single reply")
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--turn-tokens", type=int, default=2000)
    parser.add_argument("--turn-rate", type=float, default=1000.0, help="tok/s in the long conversation")
    parser.add_argument(
        "--no-monitor", action="store_true", help="run the app with the monitor sidebar hidden"
    )
    parser.add_argument("--scripted-gpu", type=int, default=0, help="give the monitor N scripted GPUs")
    parser.add_argument(
        "--side-by-side",
        type=int,
        default=0,
        metavar="N",
        help="only single replies, Ollama then OpenAI at each rate, N times each (medians)",
    )
    parser.add_argument("--skip-floors", action="store_true", help="skip first-frame and client-only runs")
    parser.add_argument(
        "--first-frame", action="store_true", help="only the first frames: --host and --demo, 5 launches each"
    )
    args = parser.parse_args()
    ENGINE[0] = args.engine
    if args.no_monitor:
        APP_ARGS.append("--no-monitor")
    if args.scripted_gpu:
        APP_ENV["GLMTUI_SCRIPTED_GPU"] = str(args.scripted_gpu)
    if args.quick:
        args.tokens, args.turns, args.turn_tokens = 600, 10, 400

    if args.side_by_side:
        side_by_side([float(r) for r in args.rates.split(",")], args.tokens, args.side_by_side)
        return
    if args.first_frame:
        print(frames_line("after launch (--host)", first_frames(5)))
        print(frames_line("of --demo (its simulators started)", demo_first_frames(5)))
        return
    print(
        "| scenario | tokens/reply | CPU-s per 1k tok | lag ms (mean) | backlog ms (max) "
        "| KiB to terminal/reply | RSS MB (max) | widgets (max) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rates = [float(r) for r in args.rates.split(",")]
    for rate in rates:
        print(row(f"1 reply @ {rate:.0f} tok/s", [single_reply(rate, args.tokens)]), flush=True)
    turns = conversation(args.turns, args.turn_tokens, args.turn_rate)
    head, tail = turns[:5], turns[-5:]
    print(row(f"turns 1–5 of {args.turns} @ {args.turn_rate:.0f} tok/s", head))
    print(row(f"turns {args.turns - 4}–{args.turns} of {args.turns}", tail))
    lags = [f.lag_ms for f in turns]
    cpu_ratio = statistics.fmean(f.cpu_per_1k for f in tail) / statistics.fmean(f.cpu_per_1k for f in head)
    lag_ratio = statistics.fmean(f.lag_ms for f in tail) / statistics.fmean(f.lag_ms for f in head)
    print()
    print(
        f"lag over all {len(turns)} turns:"
        f" p50 {percentile(lags, 0.5):.0f} ms, p95 {percentile(lags, 0.95):.0f} ms"
    )
    print(f"last-5 / first-5 turns: CPU per 1k tokens ×{cpu_ratio:.2f}, lag ×{lag_ratio:.2f}")
    if args.skip_floors:
        return
    frames = first_frames(5)
    floors = {rate: client_only(rate, args.tokens) for rate in rates}
    print(
        "official client alone (no UI), CPU-s per 1k tokens: "
        + ", ".join(f"{floor:.2f} @ {rate:.0f} tok/s" for rate, floor in floors.items())
    )
    print(frames_line("after launch", frames))
    print(frames_line("of --demo (its simulators started)", demo_first_frames(5)))


if __name__ == "__main__":
    main()
