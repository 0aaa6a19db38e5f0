"""Pull benchmark: does the chat keep streaming smoothly while a model downloads in the background?

The real app in a 120×40 PTY against the simulator. The same 3,000-token reply at 400 tok/s is measured
three times: alone; while a pull runs at Ollama's usual pace (~20 progress lines/s); and while a pull
floods the client with progress lines (~1,000/s). Also prints how often the app published progress
(the models screen and status bar repaint at most that often) against how many lines it read.

    python benchmarks/pull.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtui.simulator import Simulator
from ptyapp import PtyApp
from stream import MODEL, TurnFigures, row, run_turn

F4 = "\x1bOS"
PULLED = "glm-4.7-flash:bf16"


def start_pull(app: PtyApp) -> None:
    """F4, type the tag, Tab to the catalogue, Enter; then Esc back to the chat."""
    app.type(F4)
    app.wait_output(b"Catalogue", since=time.monotonic() - 0.1)
    time.sleep(0.5)
    app.type(PULLED)
    time.sleep(0.3)
    app.type("\t")
    time.sleep(0.3)
    app.type("\r")
    app.wait_event("pull_publish", 2, timeout=10)
    app.type("\x1b")
    time.sleep(1.0)


def measure(rate: float, tokens: int, progress_s: float | None) -> tuple[TurnFigures, str]:
    with Simulator(port=0, rate=rate, reply_tokens=tokens, load_seconds=0.05, pull_seconds=600) as sim:
        app = PtyApp(["--host", sim.url, "--model", MODEL], env={"GLMTUI_SCRIPTED_GPU": "1"})
        try:
            app.wait_event("ready", 1, timeout=20)
            note = "no pull"
            if progress_s is not None:
                sim.pull_progress_s = progress_s
                start_pull(app)
            before = app.events("pull_publish")
            started = time.monotonic()
            figures = run_turn(app, sim, 1, "Write a binary search in Rust")
            if progress_s is not None:
                elapsed = time.monotonic() - started
                during = app.events("pull_publish")[len(before) :]
                lines = during[-1]["lines"] - before[-1]["lines"] if during and before else 0
                note = (
                    f"{lines / elapsed:.0f} progress lines/s read, {len(during) / elapsed:.1f} publishes/s "
                    "(the models screen repaints at that rate, the status bar at ≤ 2 Hz)"
                )
            return figures, note
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--tokens", type=int, default=3000)
    args = parser.parse_args()
    print(
        "| scenario | tokens/reply | CPU-s per 1k tok | lag ms (mean) | backlog ms (max) "
        "| KiB to terminal/reply | RSS MB (max) | widgets (max) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    notes = []
    for label, progress in (("no pull", None), ("pull, ~20 lines/s", 0.05), ("pull, ~1000 lines/s", 0.001)):
        figures, note = measure(args.rate, args.tokens, progress)
        print(row(f"1 reply @ {args.rate:.0f} tok/s, {label}", [figures]), flush=True)
        notes.append(f"{label}: {note}")
    print()
    print("\n".join(notes))


if __name__ == "__main__":
    main()
