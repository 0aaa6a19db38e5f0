"""A/B benchmark: what do two panes streaming at once cost, against one pane?

The real app in a 140×40 PTY against the simulator (every model at the same rate). One pane: the chat
streams a reply of N tokens at R tok/s. Two panes: `--compare` with the same model on both sides (so
the run mode is parallel), one prompt, both panes stream N tokens at R tok/s each. The issue's
target: two panes cost at most 2.2× one pane's CPU over the reply.

    python benchmarks/compare.py [--rate 400] [--tokens 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtui.simulator import Simulator
from ptyapp import PtyApp
from stream import MODEL

PROMPT = "Write a binary search in Rust"
ENV = {"GLMTUI_SCRIPTED_GPU": "1"}  # a 24 GiB GPU: one qwen3-coder serves both panes → parallel


def one_pane(sim: Simulator) -> tuple[float, int, float]:
    app = PtyApp(["--host", sim.url, "--model", MODEL], cols=140, env=ENV)
    try:
        app.wait_event("ready", 1, timeout=20)
        time.sleep(1.0)
        return stream(app, 1)
    finally:
        app.close()


def two_panes(sim: Simulator) -> tuple[float, int, float]:
    app = PtyApp(["--host", sim.url, "--model", MODEL, "--compare", MODEL, MODEL], cols=140, env=ENV)
    try:
        ready = app.wait_event("compare_ready", 1, timeout=20)
        assert ready["mode"] == "parallel", ready
        time.sleep(1.0)
        return stream(app, 2)
    finally:
        app.close()


def stream(app: PtyApp, replies: int) -> tuple[float, int, float]:
    """Send the prompt; return (CPU-s, tokens, wall-s) from Enter until the last figures are on screen."""
    cpu0, started = app.cpu_seconds(), time.monotonic()
    app.type(PROMPT + "\r")
    app.wait_event("final_chunk", replies)
    finals = app.events("final_chunk")[-replies:]
    for final in finals:
        app.wait_output(final["eval_rate"].encode(), since=final["t"])
    time.sleep(0.25)
    return app.cpu_seconds() - cpu0, sum(f["tokens"] for f in finals), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=400.0, help="tok/s of each reply")
    parser.add_argument("--tokens", type=int, default=3000, help="tokens in each reply")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, int, float]]] = {"one pane": [], "two panes": []}
    for _ in range(args.repeat):
        for label, run in (("one pane", one_pane), ("two panes", two_panes)):
            with Simulator(port=0, rate=args.rate, reply_tokens=args.tokens, load_seconds=0.05) as sim:
                sim.model_speeds = False
                results[label].append(run(sim))
    print(
        f"| scenario @ {args.rate:.0f} tok/s per reply | tokens | wall s | CPU-s (median)"
        " | CPU-s per 1k tok |"
    )
    print("|---|---|---|---|---|")
    medians = {}
    for label, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        tokens = runs[0][1]
        medians[label] = cpu
        print(
            f"| {label} | {tokens} | {statistics.median(r[2] for r in runs):.1f} | {cpu:.2f} "
            f"| {cpu / tokens * 1000:.2f} |"
        )
    ratio = medians["two panes"] / medians["one pane"]
    print(
        f"\ntwo panes cost {ratio:.2f}× one pane's CPU over the reply (target ≤ 2.2×); "
        f"runs: {[round(r[0], 2) for r in results['one pane']]}"
        f" vs {[round(r[0], 2) for r in results['two panes']]}"
    )


if __name__ == "__main__":
    main()
